-- The levels' lock by key (every lease commit and release, a reservation's commit, release and expiry, a stock update
-- that created levels) planned once per connection instead of once per execution, as V109 did for the lock by variant
-- (decisions 131, 133). It takes the keys as two array parameters, which PostgreSQL estimates at 10 elements each, so
-- the generic plan looks dearer than a custom one for a lease's few keys (cost 96 against 20 for two) and a prepared
-- statement was planned anew on every execution (2,004 plans for 2,000 calls, 0.24 ms of planning against 0.10 ms of
-- execution). Inside a PL/pgSQL function that sets plan_cache_mode it is planned generically once per connection; the
-- plan is the custom one's (the primary key walked once for the variants, the pairs picked by a hash of the keys).

-- The levels of these keys (variants[i] at locations[i]), locked, with each row's address. The variants also go to the
-- primary key as one array (decision 121: one walk of the index, not one descent per key). VOLATILE: it takes row
-- locks, in the key's order (the ORDER BY under FOR UPDATE), as every locker of levels takes them: two never deadlock.
CREATE FUNCTION stock_levels_locked_by_key(variants uuid[], locations uuid[])
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
      AND (stock_level.variant_id, stock_level.location_id) IN (
          SELECT wanted.variant_id, wanted.location_id FROM unnest(variants, locations) AS wanted(variant_id, location_id))
    ORDER BY stock_level.variant_id, stock_level.location_id
    FOR UPDATE;
END
$$;
