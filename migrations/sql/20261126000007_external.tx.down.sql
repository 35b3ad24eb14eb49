ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_page_fk;
ALTER TABLE api_keys DROP COLUMN IF EXISTS page_id;
DROP TABLE IF EXISTS external_allow_prefixes;
DROP TABLE IF EXISTS external_interface_grants;
DROP TABLE IF EXISTS external_interfaces;
