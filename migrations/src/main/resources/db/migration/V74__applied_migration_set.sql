-- What the last successful migrate applied (decision 84): the fingerprint of the build's migration scripts (SHA-256 of
-- their names and contents, computed at build time) and a digest of flyway_schema_history as it was then, recorded
-- while that history was locked and had just passed Flyway's validation. A start whose build has the same fingerprint
-- and finds the same history skips Flyway (reading and checksumming every script, then validating); any difference —
-- another build's scripts, a migration applied, failed or repaired since, no row here — runs Flyway as before, which
-- migrates or refuses. One row; written by dev.marketplace.migrations.Migrations, read by nothing else.
CREATE TABLE applied_migration_set (
    one_row      boolean     PRIMARY KEY DEFAULT true CHECK (one_row),
    fingerprint  text        NOT NULL,
    history      text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
