DROP TABLE IF EXISTS base_records;
DROP TABLE IF EXISTS base_fields;
DROP TABLE IF EXISTS base_tables;
DROP TABLE IF EXISTS tenant_keys;
