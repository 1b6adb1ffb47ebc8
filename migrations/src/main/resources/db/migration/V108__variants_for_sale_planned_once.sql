-- The variants for sale (decision 58's read: every cart line set, checkout, lease create and commit) planned once per
-- connection instead of once per execution (decision 130). Sent as a prepared statement with the ids as one array
-- parameter, it was re-planned on every execution: PostgreSQL estimates an array parameter at 10 elements, so the
-- generic plan of this three-table join looks twice as dear as a custom plan for a cart's five ids, and it keeps
-- planning a custom one (pg_stat_statements: 1,608 plans for 1,600 calls, 0.97 ms of planning against 0.32 ms of
-- execution per call at load 23). The same query inside a function that sets plan_cache_mode is planned generically
-- once per connection (PL/pgSQL keeps its plan); the plan is the custom one's: primary-key probes of each table.
CREATE FUNCTION variants_for_sale(variants uuid[])
    RETURNS TABLE (id uuid, product_id uuid, merchant_id uuid, category_id uuid, sku text, title jsonb,
                   attributes jsonb, price_amount bigint, price_currency text, status text, commission_rate_bps int)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT product_variant.id, product_variant.product_id, product_variant.merchant_id, product.category_id,
           product_variant.sku, product.title, product.attributes, product_variant.price_amount,
           product_variant.price_currency, product.status, catalog_category.commission_rate_bps
    FROM product_variant
    JOIN product ON product.id = product_variant.product_id
    JOIN catalog_category ON catalog_category.id = product.category_id
    WHERE product_variant.id = ANY (variants);
END
$$;
