-- A client can be disabled (its merchant closed, say): its credentials stop working at once.
ALTER TABLE api_client ADD COLUMN disabled_at timestamptz;

-- Every access token of a client issued before a moment is revoked: how disabling a client ends the tokens it
-- already holds, without knowing their ids. Complements revoked_token (one token, by jti).
CREATE TABLE revoked_client (
    client_id            text        PRIMARY KEY,
    tokens_issued_before timestamptz NOT NULL
);
