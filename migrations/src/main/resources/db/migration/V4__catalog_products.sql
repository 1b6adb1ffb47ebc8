-- Products: owned by a merchant, in a category of the tree, moderated before storefronts see them.
-- Title and description are {language tag: text} objects; attributes a {name: value} object. The listing price
-- (the lowest variant price) and the one currency of all variants are kept on the product, so listing filters
-- and price sorts are one indexed keyset query.
CREATE TABLE product (
    id                  uuid        PRIMARY KEY,
    merchant_id         uuid        NOT NULL REFERENCES merchant (id),
    category_id         uuid        NOT NULL CONSTRAINT product_category_fkey REFERENCES catalog_category (id) ON DELETE RESTRICT,
    title               jsonb       NOT NULL CHECK (jsonb_typeof(title) = 'object' AND title <> '{}'),
    description         jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(description) = 'object'),
    attributes          jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    image_urls          text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(image_urls) <= 10),
    currency            text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    min_price_amount    bigint      NOT NULL CHECK (min_price_amount >= 0),
    status              text        NOT NULL CHECK (status IN ('draft', 'pending_review', 'published', 'rejected')),
    -- What the last automatic compliance check found ({word, field} objects) and the operator's last reasons.
    compliance_findings jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(compliance_findings) = 'array'),
    rejection_reasons   text[]      NOT NULL DEFAULT '{}',
    published_at        timestamptz,
    version             bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'published') = (published_at IS NOT NULL)),
    -- Lets variants reference (product, merchant), so a variant can never belong to another merchant.
    UNIQUE (id, merchant_id)
);
-- A merchant's product list (creation order).
CREATE INDEX product_merchant_idx ON product (merchant_id, created_at, id);
-- The operator's list, and category deletes finding referencing products.
CREATE INDEX product_created_idx ON product (created_at, id);
CREATE INDEX product_category_idx ON product (category_id);
-- Listings: newest first, and by price within a currency.
CREATE INDEX product_listing_newest_idx ON product (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX product_listing_price_idx ON product (currency, min_price_amount, id) WHERE status = 'published';

-- Variants (SKUs). The merchant's SKU code is unique across all its products; other merchants may reuse it.
CREATE TABLE product_variant (
    id                 uuid   PRIMARY KEY,
    product_id         uuid   NOT NULL,
    merchant_id        uuid   NOT NULL,
    position           integer NOT NULL CHECK (position >= 0),
    sku                text   NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    attributes         jsonb  NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    price_amount       bigint NOT NULL CHECK (price_amount >= 0),
    price_currency     text   NOT NULL CHECK (price_currency ~ '^[A-Z]{3}$'),
    -- In price_currency; a compare-at price is always above the price.
    compare_at_amount  bigint CHECK (compare_at_amount > price_amount),
    CONSTRAINT product_variant_product_fkey FOREIGN KEY (product_id, merchant_id)
        REFERENCES product (id, merchant_id) ON DELETE CASCADE,
    CONSTRAINT product_variant_sku_key UNIQUE (merchant_id, sku)
);
CREATE INDEX product_variant_product_idx ON product_variant (product_id, position);
