-- Three reads that take their ids as one array parameter planned once per connection instead of once per execution, as
-- V108-V110 did for the stock and variants' reads (decisions 130, 131, 133, 135): which merchants may take orders
-- (every cart read, checkout and lease create) and the merchants' and products' handling days (every lease commit and
-- payment). PostgreSQL estimates an array parameter at 10 elements, so each one's generic plan looked dearer than a
-- custom one for a cart's few ids, and a prepared statement was planned anew on every execution (2,004 plans for 2,000
-- calls, 0.06-0.08 ms of planning against 0.02-0.03 ms of execution). Inside a PL/pgSQL function that sets
-- plan_cache_mode each is planned generically once per connection; the plan is the custom one's (the primary key
-- walked once for the array).

-- Those of these merchants in this status. Without index-only scans: while the merchants are few, the generic plan,
-- which expects 10 ids, walks every merchant of the status in merchant_status_idx (status, created_at, id) with the ids
-- as a filter (300 merchants: 3 times the primary key's execution), and a connection keeps that plan as they grow;
-- without them it is the primary key's at every size, as the custom plan is.
CREATE FUNCTION merchants_in_status(merchants uuid[], wanted text)
    RETURNS TABLE (id uuid)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan SET enable_indexonlyscan = off AS $$
BEGIN
    RETURN QUERY
    SELECT merchant.id FROM merchant WHERE merchant.id = ANY (merchants) AND merchant.status = wanted;
END
$$;

-- The handling days of those of these merchants that set their own.
CREATE FUNCTION merchants_handling_days(merchants uuid[])
    RETURNS TABLE (id uuid, handling_days smallint)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT merchant.id, merchant.handling_days FROM merchant
    WHERE merchant.id = ANY (merchants) AND merchant.handling_days IS NOT NULL;
END
$$;

-- The handling days of those of these products that set their own.
CREATE FUNCTION products_handling_days(products uuid[])
    RETURNS TABLE (id uuid, handling_days smallint)
    LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY
    SELECT product.id, product.handling_days FROM product
    WHERE product.id = ANY (products) AND product.handling_days IS NOT NULL;
END
$$;
