DROP INDEX IF EXISTS call_events_at_idx;
DROP INDEX IF EXISTS verify_results_at_idx;
DELETE FROM call_events;
DELETE FROM verify_results;
ALTER TABLE call_events DROP COLUMN sealed, ADD COLUMN call_data jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN assoc_data jsonb NOT NULL DEFAULT '{}';
ALTER TABLE verify_results DROP COLUMN sealed, ADD COLUMN verify_return1 text NOT NULL DEFAULT '',
    ADD COLUMN verify_return2 text NOT NULL DEFAULT '', ADD COLUMN verify_return3 text NOT NULL DEFAULT '';
