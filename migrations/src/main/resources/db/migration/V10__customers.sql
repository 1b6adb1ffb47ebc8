-- Customers: marketplace members who order from many merchants through many storefronts.
-- Phone numbers and addresses are sealed with AES-256-GCM (pii_key_id names the key, so keys can rotate);
-- passwords are Argon2id hashes in PHC string form. An erased customer keeps its row (orders and ledgers refer
-- to it) with every personal field emptied.
CREATE TABLE customer (
    id                 uuid        PRIMARY KEY,
    status             text        NOT NULL CHECK (status IN ('active', 'closed', 'erased')),
    email              text        CHECK (email = lower(email)),
    email_verified_at  timestamptz,
    password_hash      text,
    name               text        CHECK (char_length(name) BETWEEN 1 AND 200),
    phone_sealed       bytea,
    addresses_sealed   bytea,
    pii_key_id         text,
    version            bigint      NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    closed_at          timestamptz,
    erased_at          timestamptz,
    CHECK ((status = 'erased') = (email IS NULL)),
    CHECK (status = 'erased' OR (password_hash IS NOT NULL AND name IS NOT NULL))
);
CREATE UNIQUE INDEX customer_email_unique ON customer (email) WHERE email IS NOT NULL;
-- Rows still sealed under a retired key, for re-encryption.
CREATE INDEX customer_pii_key_idx ON customer (pii_key_id);

-- Single-use tokens mailed to a customer (email verification, password reset); only their hash is stored.
CREATE TABLE customer_token (
    token_hash  bytea       PRIMARY KEY,
    customer_id uuid        NOT NULL REFERENCES customer (id),
    purpose     text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX customer_token_customer_idx ON customer_token (customer_id);

-- Failed sign-ins, per account (customer:<email>) and per address (address:<ip>), for throttling across nodes.
CREATE TABLE sign_in_failure (
    subject   text        NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failure_subject_idx ON sign_in_failure (subject, failed_at);

-- Successful sign-ins, kept for the customer's own export.
CREATE TABLE sign_in_event (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id uuid        NOT NULL REFERENCES customer (id),
    client_id   text        NOT NULL,
    signed_in_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_event_customer_idx ON sign_in_event (customer_id, signed_in_at);

-- Redirect URIs registered per client (exact matching, RFC 9700 §4.1.1).
ALTER TABLE api_client ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}';

-- A customer's consent to a client acting for them with these scopes.
CREATE TABLE oauth_consent (
    customer_id uuid        NOT NULL REFERENCES customer (id),
    client_id   text        NOT NULL REFERENCES api_client (client_id),
    scopes      text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, client_id)
);

-- An authorization request in progress on the hosted sign-in page; the browser holds its id in a cookie.
CREATE TABLE authorization_request (
    id_hash        bytea       PRIMARY KEY,
    csrf_token     text        NOT NULL,
    client_id      text        NOT NULL REFERENCES api_client (client_id),
    redirect_uri   text        NOT NULL,
    scopes         text[]      NOT NULL,
    state          text,
    code_challenge text        NOT NULL,
    locale         text        NOT NULL CHECK (locale IN ('ja', 'en')),
    customer_id    uuid        REFERENCES customer (id),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX authorization_request_expiry_idx ON authorization_request (expires_at);

-- The tokens one authorization code led to: the code's refresh tokens and access tokens share its family, so a
-- replayed code or a reused refresh token revokes them all.
CREATE TABLE token_family (
    id          uuid        PRIMARY KEY,
    client_id   text        NOT NULL REFERENCES api_client (client_id),
    customer_id uuid        NOT NULL REFERENCES customer (id),
    scopes      text[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX token_family_customer_idx ON token_family (customer_id, client_id);

CREATE TABLE authorization_code (
    code_hash      bytea       PRIMARY KEY,
    family_id      uuid        NOT NULL REFERENCES token_family (id),
    redirect_uri   text        NOT NULL,
    code_challenge text        NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);

CREATE TABLE refresh_token (
    token_hash bytea       PRIMARY KEY,
    family_id  uuid        NOT NULL REFERENCES token_family (id),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_token_family_idx ON refresh_token (family_id);

-- Access tokens issued in a family, so revoking the family revokes them too (until they expire).
CREATE TABLE family_access_token (
    jti        text        PRIMARY KEY,
    family_id  uuid        NOT NULL REFERENCES token_family (id),
    expires_at timestamptz NOT NULL
);
CREATE INDEX family_access_token_family_idx ON family_access_token (family_id);

-- Personal-data requests, kept as the audit record that an export or erasure happened.
CREATE TABLE customer_privacy_event (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id uuid        NOT NULL REFERENCES customer (id),
    kind        text        NOT NULL CHECK (kind IN ('exported', 'closed', 'erased')),
    client_id   text,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_privacy_event_customer_idx ON customer_privacy_event (customer_id, occurred_at);
