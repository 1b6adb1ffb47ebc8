-- Issue 22's leftovers (decision 56): the promised ship-by time of each sub-order, the merchant's handling time it
-- is computed from, and the service-level warning as the merchant's own state.

-- Days between payment and the promised shipment; NULL: the marketplace default (orders.handling-time.default).
ALTER TABLE merchant
    ADD COLUMN handling_days smallint CHECK (handling_days BETWEEN 0 AND 60),
    -- The service-level warning in force: {"measures": [...], "from", "to", "warnedAt"}; NULL when not warned.
    ADD COLUMN service_level_warning jsonb;

-- Set with the acceptance deadline when the order is paid; NULL for sub-orders paid before V46 (the service levels
-- then fall back to acceptance + reviews.service-levels.shipping-within).
ALTER TABLE sub_order ADD COLUMN ship_by_at timestamptz;
