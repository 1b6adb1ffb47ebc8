-- API clients: OAuth2 client-credentials clients, each bound to one principal. Secrets are stored as
-- SHA-256 hashes (they are 256-bit random values generated here, or at least 32 characters when given by
-- configuration, so a slow hash would add cost and no safety).
CREATE TABLE api_client (
    client_id                  text        PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    name                       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    principal_type             text        NOT NULL CHECK (principal_type IN ('operator', 'merchant', 'storefront', 'partner')),
    principal_id               uuid,
    scopes                     text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    secret_hash                bytea       NOT NULL,
    previous_secret_hash       bytea,
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    secret_rotated_at          timestamptz,
    CHECK ((principal_type = 'operator') = (principal_id IS NULL))
);
-- A principal's clients in the API's order (creation, then id).
CREATE INDEX api_client_principal_idx ON api_client (principal_type, principal_id, created_at, client_id);
CREATE INDEX api_client_created_idx ON api_client (created_at, client_id);

-- Keys that sign access tokens. One is active; retired ones keep verifying until their tokens expire.
-- The private half is sealed with AES-256-GCM under the key-encryption key from configuration.
CREATE TABLE signing_key (
    kid                text        PRIMARY KEY,
    algorithm          text        NOT NULL,
    public_jwk         text        NOT NULL,
    private_jwk_sealed bytea       NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    retired_at         timestamptz
);
CREATE UNIQUE INDEX signing_key_single_active ON signing_key ((true)) WHERE retired_at IS NULL;

-- Access tokens revoked before they expire (RFC 7009); rows can go once the token would have expired anyway.
CREATE TABLE revoked_token (
    jti        text        PRIMARY KEY,
    client_id  text        NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_token_expiry_idx ON revoked_token (expires_at);

-- Idempotency-Key records: the first response to a key, replayed to its retries.
CREATE TABLE idempotency_record (
    client_id           text        NOT NULL,
    idempotency_key     text        NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    request_fingerprint bytea       NOT NULL,
    state               text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
    locked_until        timestamptz NOT NULL,
    response_status     integer,
    response_headers    jsonb,
    response_body       bytea,
    created_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    PRIMARY KEY (client_id, idempotency_key),
    CHECK (state = 'in_flight' OR response_status IS NOT NULL)
);
CREATE INDEX idempotency_record_expiry_idx ON idempotency_record (expires_at);

-- Who changed what, when: every write request, with the outcome.
CREATE TABLE audit_event (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    request_id     text        NOT NULL,
    client_id      text,
    principal_type text,
    principal_id   uuid,
    method         text        NOT NULL,
    path           text        NOT NULL,
    status         integer     NOT NULL
);
CREATE INDEX audit_event_time_idx ON audit_event (occurred_at);
CREATE INDEX audit_event_client_idx ON audit_event (client_id, occurred_at);
