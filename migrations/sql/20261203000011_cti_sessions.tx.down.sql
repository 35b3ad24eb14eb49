DROP TABLE IF EXISTS cti_sessions;
