-- Bulk stock updates (issue 20, decision 86): what a 10,000-item request paid for beyond its stock levels.

-- The answer an Idempotency-Key keeps is deflated by the server (java.util.zip, fastest level) and stored as it comes,
-- no longer compressed again by PostgreSQL. A 10,000-item stock update answers 4.8 MB, which pglz (the only compression
-- the embedded server is built with) took 150-200 ms to compress to 0.46 MB on the loaded machine, while the client
-- waited (the answer is held until it is stored, decision 8); deflate makes 0.34 MB of it in 20 ms. Rows stored before
-- keep their form (response_deflated false) until they expire.
ALTER TABLE idempotency_record ADD COLUMN response_deflated boolean NOT NULL DEFAULT false;
ALTER TABLE idempotency_record ALTER COLUMN response_body SET STORAGE EXTERNAL;

-- change_log: every unsettled row (position NULL) had an entry in the unique index of positions, written at insert and
-- never used (uniqueness and the readers care only about positions handed out). Only settled rows are indexed now.
ALTER TABLE change_log DROP CONSTRAINT change_log_position_key;
CREATE UNIQUE INDEX change_log_position_key ON change_log (position) WHERE position IS NOT NULL;

-- Ids from a per-connection cache of 1,000 instead of one sequence access per row (10,000 per bulk statement).
-- Settling orders rows by (txid, id): all rows of one transaction come from its one connection, so within a
-- transaction ids still rise in insertion order; across transactions the txid decides, as before.
ALTER TABLE change_log ALTER COLUMN id SET CACHE 1000;
