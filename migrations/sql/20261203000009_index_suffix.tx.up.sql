-- The last four characters of a record's index value (a phone number's last
-- four digits), searchable without decrypting anything: a keyed hash when
-- the index field is encrypted (like index_key, with its own purpose), the
-- characters themselves otherwise. Rows written before this migration get
-- theirs the next time they are written (an import of the same file does).
ALTER TABLE base_records ADD COLUMN index_suffix bytea;
CREATE INDEX base_records_suffix_idx ON base_records (tenant_id, table_id, index_suffix) WHERE index_suffix IS NOT NULL;
