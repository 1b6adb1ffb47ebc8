-- The checkout's two stock reads (also every lease create and commit, and the flash sale's) planned once per connection
-- instead of once per execution, as V108 did for the variants' read (decisions 130, 131). Each takes a cart's variant
-- ids as one array parameter, which PostgreSQL estimates at 10 elements, so the generic plan looks dearer than a custom
-- one for a cart's few ids and a prepared statement is planned anew on every execution. Inside a PL/pgSQL function
-- that sets plan_cache_mode, each is planned generically once per connection; the plan is the custom one's (the
-- primary key walked once for the array).

-- The most units of each variant at any one location (what a cart and a checkout show and check).
CREATE FUNCTION stock_most_available(variants uuid[])
    RETURNS TABLE (variant_id uuid, available bigint)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT stock_level.variant_id, max(stock_level.on_hand - stock_level.reserved)
    FROM stock_level
    WHERE stock_level.variant_id = ANY (variants)
    GROUP BY stock_level.variant_id;
END
$$;

-- The levels of these variants at every location, locked (a reservation's and a sale's lock, decision 108), with each
-- row's address. VOLATILE: it takes row locks. The locks are taken in the key's order (the ORDER BY under FOR UPDATE),
-- as the statement sent by itself took them: every locker takes them in that order, so two never wait on each other.
CREATE FUNCTION stock_levels_locked(variants uuid[])
    RETURNS TABLE (variant_id uuid, location_id uuid, merchant_id uuid, on_hand bigint, reserved bigint,
                   last_source_sequence bigint, low_stock_threshold bigint, updated_at timestamptz,
                   last_change_reason text, sku text, location_code text, row_address text)
    LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT stock_level.variant_id, stock_level.location_id, stock_level.merchant_id, stock_level.on_hand,
           stock_level.reserved, stock_level.last_source_sequence, stock_level.low_stock_threshold,
           stock_level.updated_at, stock_level.last_change_reason, stock_level.sku, stock_level.location_code,
           stock_level.ctid::text
    FROM stock_level
    WHERE stock_level.variant_id = ANY (variants)
    ORDER BY stock_level.variant_id, stock_level.location_id
    FOR UPDATE;
END
$$;
