DROP TRIGGER IF EXISTS base_records_count_insert ON base_records;
DROP TRIGGER IF EXISTS base_records_count_delete ON base_records;
DROP FUNCTION IF EXISTS base_records_count_inserted();
DROP FUNCTION IF EXISTS base_records_count_deleted();
DROP TABLE IF EXISTS base_record_counts;
