-- Fulfilment: the merchant's acceptance deadline, shipments by line, delivery, escrow release and refunds.

ALTER TABLE sub_order
    ADD COLUMN acceptance_due_at  timestamptz,
    ADD COLUMN shipped_at         timestamptz,
    ADD COLUMN delivered_at       timestamptz,
    ADD COLUMN escrow_released_at timestamptz;
CREATE INDEX sub_order_acceptance_due_idx ON sub_order (acceptance_due_at) WHERE status = 'awaiting_acceptance';
CREATE INDEX sub_order_escrow_idx ON sub_order (shipped_at) WHERE escrow_released_at IS NULL AND status IN ('shipped', 'delivered');

ALTER TABLE order_line ADD COLUMN shipped_quantity bigint NOT NULL DEFAULT 0;
ALTER TABLE order_line ADD CONSTRAINT order_line_shipped_within_quantity CHECK (shipped_quantity BETWEEN 0 AND quantity);

CREATE TABLE shipment (
    id                   uuid        PRIMARY KEY,
    sub_order_id         uuid        NOT NULL REFERENCES sub_order (id),
    carrier              text        NOT NULL,
    tracking_number      text        NOT NULL,
    shipped_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (carrier, tracking_number)
);
CREATE INDEX shipment_sub_order_idx ON shipment (sub_order_id, shipped_at);

CREATE TABLE shipment_line (
    shipment_id          uuid        NOT NULL REFERENCES shipment (id),
    line_number          int         NOT NULL,
    quantity             bigint      NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, line_number)
);

-- A refund of part of a payment: written as an intent (with its provider key) before the provider is called, like
-- a payment; 'pending' ones are sent again with the same key by the recovery job.
CREATE TABLE payment_refund (
    id                   uuid        PRIMARY KEY,
    payment_id           uuid        NOT NULL REFERENCES payment (id),
    sub_order_id         uuid        NOT NULL REFERENCES sub_order (id),
    idempotency_key      text        NOT NULL UNIQUE,
    amount               bigint      NOT NULL CHECK (amount > 0),
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status               text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason               text        NOT NULL,
    provider_refund_id   text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_refund_pending_idx ON payment_refund (updated_at) WHERE status = 'pending';
