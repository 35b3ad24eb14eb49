-- Record counts per base table, for the tables list and record pages:
-- count(*) over a million-row table takes about 0.1 s. Every statement that
-- adds or removes records appends its delta here (statement triggers with
-- transition tables: one row per statement, an import batch included), and
-- a read sums a table's few rows, compacted now and then by the
-- application. Append-only, so writers never wait on each other for it.
CREATE TABLE base_record_counts (
    table_id  bigint NOT NULL REFERENCES base_tables (id) ON DELETE CASCADE,
    delta     bigint NOT NULL
);
CREATE INDEX base_record_counts_table_idx ON base_record_counts (table_id);

CREATE FUNCTION base_records_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO base_record_counts (table_id, delta)
    SELECT table_id, count(*) FROM inserted GROUP BY table_id;
    RETURN NULL;
END
$$;

-- Records deleted with their table (ON DELETE CASCADE) have no table left
-- to count for: skipped, and the table's counts go with it.
CREATE FUNCTION base_records_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO base_record_counts (table_id, delta)
    SELECT d.table_id, -count(*) FROM deleted d
    WHERE EXISTS (SELECT 1 FROM base_tables t WHERE t.id = d.table_id)
    GROUP BY d.table_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER base_records_count_insert AFTER INSERT ON base_records
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION base_records_count_inserted();
CREATE TRIGGER base_records_count_delete AFTER DELETE ON base_records
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION base_records_count_deleted();

INSERT INTO base_record_counts (table_id, delta)
SELECT table_id, count(*) FROM base_records GROUP BY table_id;
