-- The operator's limits on one merchant's own points campaigns (decision 42, amended). A merchant without a row has
-- the marketplace's defaults (points.merchant-campaigns in the configuration).
CREATE TABLE points_merchant_campaign_limit (
    merchant_id          uuid        PRIMARY KEY,
    max_multiplier_bp    int         NOT NULL CHECK (max_multiplier_bp BETWEEN 10001 AND 1000000),
    max_duration_hours   int         NOT NULL CHECK (max_duration_hours BETWEEN 1 AND 8784),
    max_cap_per_order    bigint      NOT NULL CHECK (max_cap_per_order BETWEEN 1 AND 10000000),
    updated_by           text        NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
