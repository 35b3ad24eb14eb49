ALTER TABLE pop_settings DROP COLUMN IF EXISTS huawei_support_script;
