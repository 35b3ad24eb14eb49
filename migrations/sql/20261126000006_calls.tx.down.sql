ALTER TABLE pop_settings DROP COLUMN IF EXISTS outbound_webhook;
DROP TABLE IF EXISTS verify_results;
DROP TABLE IF EXISTS call_events;
DROP INDEX IF EXISTS users_tenant_work_no;
ALTER TABLE users DROP COLUMN IF EXISTS work_no;
