-- The address of Huawei AICC's AICCSupport.js (seed 002 §4.4.1:
-- https://ip:port/service-cloud/resource.root/page/resource.root/js/AICCSupport.js),
-- which an internal page configured as Web API loads inside the workbench.
ALTER TABLE pop_settings ADD COLUMN huawei_support_script text NOT NULL DEFAULT '';
