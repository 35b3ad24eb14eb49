-- Rows of an import whose masked cells (a masked export imported again)
-- kept the stored values they hide, for the job report.
ALTER TABLE import_jobs ADD COLUMN masked integer NOT NULL DEFAULT 0;
