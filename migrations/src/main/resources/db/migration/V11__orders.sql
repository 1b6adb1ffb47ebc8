-- Orders: carts, customer orders split into one sub-order per merchant, their state history, payments and the
-- money-event outbox. Customers are plain ids (their domain is elsewhere); prices are snapshots, never references.

-- A storefront's cart, anonymous (customer_id null) until a customer claims it. Checked out at most once.
CREATE TABLE cart (
    id                   uuid        PRIMARY KEY,
    storefront_id        uuid        NOT NULL,
    customer_id          uuid,
    checked_out_order_id uuid,
    version              bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cart_storefront_idx ON cart (storefront_id, created_at, id);

-- The price the shopper saw when the line was last set, so the cart can tell when it changed.
CREATE TABLE cart_line (
    cart_id              uuid        NOT NULL REFERENCES cart (id) ON DELETE CASCADE,
    variant_id           uuid        NOT NULL REFERENCES product_variant (id) ON DELETE CASCADE,
    quantity             bigint      NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    seen_price_amount    bigint      NOT NULL CHECK (seen_price_amount >= 0),
    seen_price_currency  text        NOT NULL CHECK (seen_price_currency ~ '^[A-Z]{3}$'),
    added_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, variant_id)
);

CREATE TABLE customer_order (
    id                   uuid        PRIMARY KEY,
    storefront_id        uuid        NOT NULL,
    customer_id          uuid        NOT NULL,
    cart_id              uuid        NOT NULL UNIQUE REFERENCES cart (id),
    status               text        NOT NULL CHECK (status IN ('placed', 'paid', 'completed', 'expired', 'cancelled')),
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal_amount      bigint      NOT NULL CHECK (subtotal_amount >= 0),
    tax_amount           bigint      NOT NULL CHECK (tax_amount >= 0),
    -- Seams for the points issue: coupons and points reduce the total; zero until they exist.
    discount_amount      bigint      NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
    total_amount         bigint      NOT NULL CHECK (total_amount = subtotal_amount + tax_amount - discount_amount),
    -- The shipping address (JSON) sealed with AES-256-GCM under the PII key named beside it, like customers' addresses.
    shipping_address_sealed bytea    NOT NULL,
    pii_key_id           text        NOT NULL,
    reservation_id       uuid        NOT NULL,
    -- Whether the reservation was committed after payment (the recovery job finishes a commit a crash interrupted).
    stock_committed      boolean     NOT NULL DEFAULT false,
    payment_due_at       timestamptz NOT NULL,
    version              bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_order_customer_idx ON customer_order (customer_id, created_at, id);
CREATE INDEX customer_order_created_idx ON customer_order (created_at, id);
CREATE INDEX customer_order_due_idx ON customer_order (payment_due_at) WHERE status = 'placed';
CREATE INDEX customer_order_uncommitted_idx ON customer_order (id) WHERE status = 'paid' AND NOT stock_committed;

CREATE TABLE sub_order (
    id                   uuid        PRIMARY KEY,
    order_id             uuid        NOT NULL REFERENCES customer_order (id),
    merchant_id          uuid        NOT NULL,
    status               text        NOT NULL CHECK (status IN ('pending_payment', 'awaiting_acceptance', 'accepted',
                             'partially_shipped', 'shipped', 'delivered', 'closed', 'rejected', 'cancelled', 'expired')),
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal_amount      bigint      NOT NULL CHECK (subtotal_amount >= 0),
    tax_amount           bigint      NOT NULL CHECK (tax_amount >= 0),
    total_amount         bigint      NOT NULL CHECK (total_amount = subtotal_amount + tax_amount),
    commission_amount    bigint      NOT NULL CHECK (commission_amount >= 0),
    version              bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, merchant_id)
);
CREATE INDEX sub_order_merchant_idx ON sub_order (merchant_id, created_at, id);

-- The snapshot of what was bought: price, tax rate and commission rate at checkout.
CREATE TABLE order_line (
    sub_order_id         uuid        NOT NULL REFERENCES sub_order (id),
    line_number          int         NOT NULL CHECK (line_number >= 0),
    variant_id           uuid        NOT NULL,
    product_id           uuid        NOT NULL,
    sku                  text        NOT NULL,
    title                jsonb       NOT NULL,
    quantity             bigint      NOT NULL CHECK (quantity > 0),
    unit_price_amount    bigint      NOT NULL CHECK (unit_price_amount >= 0),
    subtotal_amount      bigint      NOT NULL CHECK (subtotal_amount = unit_price_amount * quantity),
    tax_rate_bp          int         NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    tax_amount           bigint      NOT NULL CHECK (tax_amount >= 0),
    commission_rate_bp   int         NOT NULL CHECK (commission_rate_bp BETWEEN 0 AND 10000),
    PRIMARY KEY (sub_order_id, line_number)
);

-- Every state change of an order or a sub-order: who, when, why.
CREATE TABLE order_transition (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             uuid        NOT NULL REFERENCES customer_order (id),
    sub_order_id         uuid        REFERENCES sub_order (id),
    from_status          text,
    to_status            text        NOT NULL,
    actor                text        NOT NULL,
    reason               text,
    occurred_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_transition_order_idx ON order_transition (order_id, id);

-- A payment attempt: the intent is written before the provider is called (with the key the call uses), the
-- outcome after; 'pending' with no provider id is an outcome not yet known, which the recovery job reconciles.
CREATE TABLE payment (
    id                   uuid        PRIMARY KEY,
    order_id             uuid        NOT NULL REFERENCES customer_order (id),
    provider             text        NOT NULL,
    idempotency_key      text        NOT NULL UNIQUE,
    payment_method       text        NOT NULL,
    status               text        NOT NULL CHECK (status IN ('pending', 'captured', 'declined', 'failed', 'voided')),
    amount               bigint      NOT NULL CHECK (amount >= 0),
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    refunded_amount      bigint      NOT NULL DEFAULT 0 CHECK (refunded_amount BETWEEN 0 AND amount),
    provider_payment_id  text,
    failure_code         text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payment_provider_id_idx ON payment (provider, provider_payment_id);
-- At most one payment of an order can be in flight or captured at a time.
CREATE UNIQUE INDEX payment_one_live_per_order_idx ON payment (order_id) WHERE status IN ('pending', 'captured');
CREATE INDEX payment_pending_idx ON payment (updated_at) WHERE status = 'pending';

-- Webhook deliveries already applied, so a duplicate changes nothing.
CREATE TABLE payment_webhook_event (
    provider             text        NOT NULL,
    event_id             text        NOT NULL,
    received_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

-- The outbox of money movements for the settlement ledger, written in the transaction of the state change.
CREATE TABLE money_event (
    id                   uuid        PRIMARY KEY,
    position             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- Makes the event idempotent: one event per movement, whoever records it and however often.
    idempotency_id       text        NOT NULL UNIQUE,
    type                 text        NOT NULL CHECK (type IN ('payment_authorized', 'payment_captured', 'payment_voided',
                             'payment_refunded', 'escrow_released', 'commission_accrued', 'commission_reversed')),
    order_id             uuid        NOT NULL,
    sub_order_id         uuid,
    merchant_id          uuid,
    customer_id          uuid        NOT NULL,
    amount               bigint      NOT NULL CHECK (amount >= 0),
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    occurred_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX money_event_order_idx ON money_event (order_id, position);
