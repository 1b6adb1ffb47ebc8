-- Lease requests keep their Idempotency-Key on the lease (decision 90), as inbound credits keep theirs on the exchange
-- (decision 75): the key is claimed in the request's own transaction instead of the platform's filter's three statements
-- and two commits around it. A create's key is unique per partner while it is kept (a key older than the retention
-- is cleared from its lease when it is used again); the request that ended the lease (commit or release) keeps its key
-- on the row it ended. The fingerprint is the filter's: SHA-256 of the request line and the body.
ALTER TABLE partner_lease
    ADD COLUMN create_key         text,
    ADD COLUMN create_fingerprint bytea,
    ADD COLUMN end_key            text,
    ADD COLUMN end_fingerprint    bytea,
    ADD CONSTRAINT partner_lease_create_key_check CHECK ((create_key IS NULL) = (create_fingerprint IS NULL)),
    ADD CONSTRAINT partner_lease_end_key_check CHECK ((end_key IS NULL) = (end_fingerprint IS NULL));
CREATE UNIQUE INDEX partner_lease_create_key_idx ON partner_lease (partner_id, create_key) WHERE create_key IS NOT NULL;
