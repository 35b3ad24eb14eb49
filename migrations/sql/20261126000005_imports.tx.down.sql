DROP TABLE IF EXISTS import_errors;
DROP TABLE IF EXISTS import_jobs;
