DROP TABLE IF EXISTS pop_nonces;
DROP TABLE IF EXISTS pop_settings;
DROP TABLE IF EXISTS pop_configs;
