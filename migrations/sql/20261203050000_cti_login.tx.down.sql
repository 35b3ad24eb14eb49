DROP TABLE IF EXISTS cti_credentials;
ALTER TABLE pop_settings DROP COLUMN IF EXISTS cti_login_url;
ALTER TABLE pop_settings DROP COLUMN IF EXISTS cti_unified_login;
