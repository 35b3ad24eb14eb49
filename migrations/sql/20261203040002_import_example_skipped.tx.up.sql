-- An import whose first data row was the template's example row, unchanged:
-- the row is skipped, and the job says so.
ALTER TABLE import_jobs ADD COLUMN example_skipped boolean NOT NULL DEFAULT false;
