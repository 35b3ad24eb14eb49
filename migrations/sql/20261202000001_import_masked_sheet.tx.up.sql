-- Rows of an import whose masked cells (a masked export imported again)
-- kept the stored values they hide, for the job report; and the XLSX sheet
-- a job reads (the user may choose one of several).
ALTER TABLE import_jobs ADD COLUMN masked integer NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN sheet text NOT NULL DEFAULT '';
