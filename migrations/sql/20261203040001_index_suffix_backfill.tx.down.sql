DROP INDEX IF EXISTS base_records_no_suffix_idx;
