-- Returns (RMA): requested by the customer for shipped lines, approved or refused by the merchant, received (the
-- goods restocked at a location or written off), refunded in full or in part.
CREATE TABLE order_return (
    id                   uuid        PRIMARY KEY,
    order_id             uuid        NOT NULL REFERENCES customer_order (id),
    sub_order_id         uuid        NOT NULL REFERENCES sub_order (id),
    merchant_id          uuid        NOT NULL,
    customer_id          uuid        NOT NULL,
    status               text        NOT NULL CHECK (status IN ('requested', 'approved', 'refused', 'received', 'refunded')),
    reason               text        NOT NULL,
    -- Set on receipt: where the goods went back into stock; null when they were written off.
    restocked_location_id uuid,
    refunded_amount      bigint      CHECK (refunded_amount >= 0),
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    version              bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_return_sub_order_idx ON order_return (sub_order_id);

CREATE TABLE order_return_line (
    return_id            uuid        NOT NULL REFERENCES order_return (id),
    line_number          int         NOT NULL,
    quantity             bigint      NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (return_id, line_number)
);

ALTER TABLE order_transition ADD COLUMN return_id uuid REFERENCES order_return (id);
