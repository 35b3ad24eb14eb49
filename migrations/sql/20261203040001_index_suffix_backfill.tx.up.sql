-- The records still without a suffix blind index: those written before
-- 0009, which the start-up backfill (tables.BackfillIndexSuffixes) fills
-- in Go, and the few whose index value is too short to have one. A partial
-- index keeps the backfill's walk to those rows instead of the whole table
-- on every start.
CREATE INDEX base_records_no_suffix_idx ON base_records (id) WHERE index_suffix IS NULL;
