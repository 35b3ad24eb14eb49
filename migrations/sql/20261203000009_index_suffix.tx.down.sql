DROP INDEX IF EXISTS base_records_suffix_idx;
ALTER TABLE base_records DROP COLUMN IF EXISTS index_suffix;
