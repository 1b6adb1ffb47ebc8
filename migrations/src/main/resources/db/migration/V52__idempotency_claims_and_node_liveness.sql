-- Decision 62: every server node takes a number from this sequence when it starts and holds a session advisory lock
-- on it (two-key form: 1852793957 "node", number) for as long as its process lives. PostgreSQL drops the lock with
-- the node's session, so a key claimed by a node whose lock is gone is free at once, not after its lease.
CREATE SEQUENCE server_node_number AS integer;

-- Who holds an in-flight key: the node (for the liveness check) and the claim (a fence: the holder's transactions
-- commit only while the key is still theirs, so a key taken over is never run twice).
ALTER TABLE idempotency_record
    ADD COLUMN held_by_node integer,
    ADD COLUMN claim uuid;
