-- Event webhooks (issue 15, decision 33): endpoints subscribed to topics, one delivery per endpoint per event, every
-- attempt logged.

-- An endpoint belongs to the principal that created it (owner_type/owner_id, the operator's id being the nil uuid
-- as in stock_reservation). Its signing secret is sealed with the personal-data keys (PiiKeys, bound to the
-- endpoint's id); while a secret rotates, the previous one signs too until previous_secret_expires_at.
CREATE TABLE webhook_endpoint (
    id                          uuid        PRIMARY KEY,
    owner_type                  text        NOT NULL CHECK (owner_type IN ('operator', 'merchant', 'storefront', 'partner')),
    owner_id                    uuid        NOT NULL,
    url                         text        NOT NULL,
    topics                      text[]      NOT NULL,
    description                 text,
    -- enabled; disabled (by its owner, or by us after a 410 Gone or a whole retry schedule failed: disabled_reason)
    status                      text        NOT NULL CHECK (status IN ('enabled', 'disabled')),
    disabled_reason             text        CHECK (disabled_reason IN ('by_owner', 'gone', 'failing')),
    secret_key_id               text        NOT NULL,
    secret_sealed               bytea       NOT NULL,
    previous_secret_sealed      bytea,
    previous_secret_key_id      text,
    previous_secret_expires_at  timestamptz,
    -- Node lease: the endpoint's deliveries are sent by one worker at a time, in order (per-endpoint concurrency 1).
    busy_until                  timestamptz,
    version                     bigint      NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'disabled') = (disabled_reason IS NOT NULL))
);
CREATE INDEX webhook_endpoint_owner_idx ON webhook_endpoint (owner_type, owner_id, created_at, id);
CREATE INDEX webhook_endpoint_created_idx ON webhook_endpoint (created_at, id);

-- Each tenant's events are numbered 1, 2, 3 … in the order the fan-out saw them (the webhook-sequence header).
CREATE TABLE webhook_tenant_sequence (
    owner_type text   NOT NULL,
    owner_id   uuid   NOT NULL,
    last_value bigint NOT NULL,
    PRIMARY KEY (owner_type, owner_id)
);

-- One message to one endpoint: the body is fixed when it is made, so every attempt (and a replay's copy) sends the
-- same bytes. A replay is a new delivery of the same event_id.
CREATE TABLE webhook_delivery (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoint ON DELETE CASCADE,
    event_id        uuid        NOT NULL,
    topic           text        NOT NULL,
    sequence        bigint      NOT NULL,
    body            text        NOT NULL,
    -- When the event was committed (the outbox's occurred_at; now for a ping or replay): lag is measured from it.
    committed_at    timestamptz NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_delivery_created_idx ON webhook_delivery (created_at);
CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery (endpoint_id, created_at, id);
CREATE INDEX webhook_delivery_event_idx ON webhook_delivery (event_id);

-- The delivery log: every attempt, its outcome and the first bytes of the answer (bounded), kept 30 days.
CREATE TABLE webhook_attempt (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id   bigint      NOT NULL REFERENCES webhook_delivery ON DELETE CASCADE,
    endpoint_id   uuid        NOT NULL REFERENCES webhook_endpoint ON DELETE CASCADE,
    attempted_at  timestamptz NOT NULL,
    -- success (2xx), or why not: http_status, timeout, connection_failed, forbidden_destination, circuit_open, …
    outcome       text        NOT NULL,
    status_code   integer,
    latency_ms    integer     NOT NULL,
    response_head text        NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempt_endpoint_idx ON webhook_attempt (endpoint_id, id);
CREATE INDEX webhook_attempt_time_idx ON webhook_attempt (attempted_at);
