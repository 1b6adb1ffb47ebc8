-- Merchants: companies selling on the marketplace. A row is created by the application (status 'pending') and
-- never deleted; closing a merchant is a status. Plan fee and deposit are copied from the configuration in force
-- when the company applied, so a later price change never reprices an agreement silently.
CREATE TABLE merchant (
    id                      uuid        PRIMARY KEY,
    legal_name              text        NOT NULL CHECK (char_length(legal_name) BETWEEN 1 AND 200),
    contact_name            text        NOT NULL CHECK (char_length(contact_name) BETWEEN 1 AND 100),
    contact_email           text        NOT NULL CHECK (char_length(contact_email) BETWEEN 3 AND 254),
    contact_phone           text        NOT NULL CHECK (char_length(contact_phone) BETWEEN 5 AND 30),
    address_country         text        NOT NULL CHECK (address_country ~ '^[A-Z]{2}$'),
    address_postal_code     text        NOT NULL CHECK (char_length(address_postal_code) BETWEEN 1 AND 20),
    address_region          text        NOT NULL CHECK (char_length(address_region) BETWEEN 1 AND 100),
    address_locality        text        NOT NULL CHECK (char_length(address_locality) BETWEEN 1 AND 100),
    address_line1           text        NOT NULL CHECK (char_length(address_line1) BETWEEN 1 AND 200),
    address_line2           text        CHECK (char_length(address_line2) BETWEEN 1 AND 200),
    years_in_business       integer     NOT NULL CHECK (years_in_business >= 0),
    category_id             uuid        NOT NULL CONSTRAINT merchant_category_fkey REFERENCES catalog_category (id) ON DELETE RESTRICT,
    plan_code               text        NOT NULL,
    plan_monthly_fee_amount bigint      NOT NULL CHECK (plan_monthly_fee_amount >= 0),
    plan_monthly_fee_currency text      NOT NULL CHECK (plan_monthly_fee_currency ~ '^[A-Z]{3}$'),
    deposit_amount          bigint      NOT NULL CHECK (deposit_amount >= 0),
    deposit_currency        text        NOT NULL CHECK (deposit_currency ~ '^[A-Z]{3}$'),
    -- The admission rules the application broke when it was filed ({rule, message} objects); an application
    -- with findings cannot be approved.
    admission_findings      jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(admission_findings) = 'array'),
    status                  text        NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'suspended', 'frozen', 'closed')),
    version                 bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
-- The API's list order (application time, then id), optionally within one status.
CREATE INDEX merchant_created_idx ON merchant (created_at, id);
CREATE INDEX merchant_status_idx ON merchant (status, created_at, id);
-- Category deletes must find referencing merchants quickly.
CREATE INDEX merchant_category_idx ON merchant (category_id);

-- Every status change of a merchant, the application included: who (client and principal), when, why.
-- Append-only.
CREATE TABLE merchant_status_change (
    id                        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id               uuid        NOT NULL REFERENCES merchant (id),
    from_status               text,
    to_status                 text        NOT NULL,
    reasons                   text[]      NOT NULL DEFAULT '{}',
    changed_by_client_id      text        NOT NULL,
    changed_by_principal_type text        NOT NULL,
    changed_by_principal_id   uuid,
    changed_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX merchant_status_change_merchant_idx ON merchant_status_change (merchant_id, id);
