-- domain_event (V18) had the layout V76 changed on change_log: every event enters the unique index of positions at
-- insert with a NULL position that nothing reads (uniqueness and the subscribers care only about positions handed
-- out; a reader's `position > cursor` implies NOT NULL, so the partial index serves it). Only settled events are
-- indexed now. Measured on PostgreSQL 15 with 500,000 settled events (decision 98): about 60 bytes of WAL fewer per
-- inserted event (594 against 655, 1,277 against 1,341 across a checkpoint) and one index insert fewer per event.
ALTER TABLE domain_event DROP CONSTRAINT domain_event_position_key;
CREATE UNIQUE INDEX domain_event_position_key ON domain_event (position) WHERE position IS NOT NULL;
