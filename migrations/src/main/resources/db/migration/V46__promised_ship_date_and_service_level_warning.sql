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

-- Issue 17's leftover: the hosts the operator allows a partner's outbound calls to reach (its API base URL and token
-- endpoint must be on it, checked at registration and before every call; SSRF rules still apply). Partners
-- registered before V46 get the hosts of their own URLs, so nothing they do today is refused.
ALTER TABLE partner ADD COLUMN allowed_hosts text[] NOT NULL DEFAULT '{}';
UPDATE partner SET allowed_hosts = array_remove(ARRAY[
        lower(substring(api_base_url FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)')),
        lower(substring(token_url FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)'))], NULL);

-- Issue 18's leftover: the supplier's tracking webhook finds the lines forwarded under its order reference.
CREATE INDEX dropship_forward_supplier_ref_idx ON dropship_forward (connection_id, supplier_order_ref)
    WHERE supplier_order_ref IS NOT NULL;
