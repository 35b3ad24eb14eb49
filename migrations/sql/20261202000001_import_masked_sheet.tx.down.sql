ALTER TABLE import_jobs DROP COLUMN sheet;
ALTER TABLE import_jobs DROP COLUMN masked;
