-- Sealed bytes do not compress: AES-GCM output looks random. With the
-- default storage (EXTENDED) PostgreSQL tries pglz on every value that
-- makes a row too big for a page before it gives up and moves it out of
-- line; for an import's 20 MB sealed upload that attempt cost about
-- 0.25 s of server CPU of the 0.33 s the store took (measured with the
-- same random 20 MB: 330-375 ms EXTENDED, 73-94 ms EXTERNAL). EXTERNAL
-- keeps out-of-line storage and skips the compression attempt. Only new
-- values are affected; nothing is rewritten.
ALTER TABLE import_jobs ALTER COLUMN file SET STORAGE EXTERNAL;
ALTER TABLE base_records ALTER COLUMN sealed SET STORAGE EXTERNAL;
ALTER TABLE call_events ALTER COLUMN sealed SET STORAGE EXTERNAL;
ALTER TABLE verify_results ALTER COLUMN sealed SET STORAGE EXTERNAL;

-- How an import's stored file was packed before it was sealed: '' as
-- uploaded, 's2' compressed (S2 block format). A 20 MB CSV upload is
-- about 250 ms of the server's time to receive and store as it is, and a
-- CSV packs to a quarter or less; an XLSX is a zip already.
ALTER TABLE import_jobs ADD COLUMN file_codec text NOT NULL DEFAULT '' CHECK (file_codec IN ('', 's2'));
