-- The plans of decision 145's pgbench runs, written by SQL into a database with the demo marketplace (the server
-- stopped): pgbench_checkout.plan as PgbenchCheckout.writePlans makes it (carts of five lines from three merchants, two,
-- two and one, of the first 60 active merchants' first 20 stocked JPY variants, their stock set to 1,000,000 as the
-- checkout scenario does), for checkout.sql and checkout-onecall*.sql, and pgbench_checkout.hot_plan (carts of one
-- line, all of one hot SKU) for checkout-hot*.sql. The carts are the demo customers'. 120,000 of each.
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS pgbench_checkout CASCADE;
CREATE SCHEMA pgbench_checkout;
CREATE TABLE pgbench_checkout.plan (
    n bigint PRIMARY KEY, cart_id uuid, storefront_id uuid, customer_id uuid, variants uuid[],
    locations uuid[], products uuid[], categories uuid[], skus text[], line_sub_orders uuid[],
    line_merchants uuid[], line_numbers int[], merchants uuid[], sub_orders uuid[],
    order_id uuid, reservation_id uuid, pii_key_id text);
CREATE TABLE pgbench_checkout.hot_plan (LIKE pgbench_checkout.plan INCLUDING ALL);
CREATE SEQUENCE pgbench_checkout.next;
CREATE SEQUENCE pgbench_checkout.hot_next;
CREATE TABLE pgbench_checkout.sku AS
SELECT dense_rank() OVER (ORDER BY m.id) AS mi, row_number() OVER (PARTITION BY m.id ORDER BY s.variant_id) AS si,
       m.id AS merchant_id, s.variant_id, min(s.location_id::text)::uuid AS location_id
FROM merchant m
JOIN LATERAL (SELECT v.id FROM product_variant v JOIN product p ON p.id = v.product_id
              WHERE v.merchant_id = m.id AND p.status = 'published' AND v.price_currency = 'JPY'
              ORDER BY v.id LIMIT 20) v ON true
JOIN stock_level s ON s.variant_id = v.id
WHERE m.id IN (SELECT id FROM merchant WHERE status = 'active' ORDER BY id LIMIT 60)
GROUP BY m.id, s.variant_id HAVING count(*) = 1;
ALTER TABLE pgbench_checkout.sku ADD COLUMN product_id uuid, ADD COLUMN category_id uuid, ADD COLUMN sku text;
UPDATE pgbench_checkout.sku k SET product_id = v.product_id, category_id = p.category_id, sku = v.sku
FROM product_variant v JOIN product p ON p.id = v.product_id WHERE v.id = k.variant_id;
SELECT count(DISTINCT mi) AS merchants, count(*) AS skus, min(c) AS min_per_merchant
FROM pgbench_checkout.sku, LATERAL (SELECT count(*) c FROM pgbench_checkout.sku k2 WHERE k2.mi = sku.mi) c;
-- The bench's checkout scenario sets these SKUs' stock to 1,000,000 through the API first.
UPDATE stock_level s SET on_hand = 1000000 FROM pgbench_checkout.sku k
WHERE s.variant_id = k.variant_id AND s.location_id = k.location_id;
CREATE TABLE pgbench_checkout.owner AS
SELECT row_number() OVER () - 1 AS i, storefront_id, customer_id
FROM (SELECT DISTINCT storefront_id, customer_id FROM cart WHERE customer_id IS NOT NULL) o;
SELECT count(*) AS owners FROM pgbench_checkout.owner;
DO $$
DECLARE
    owners int := (SELECT count(*) FROM pgbench_checkout.owner);
    key text := (SELECT pii_key_id FROM customer_order ORDER BY created_at DESC LIMIT 1);
    -- every SKU in (mi, si) order, and where each merchant's run starts and how long it is
    sv uuid[]; sl uuid[]; sp uuid[]; sc uuid[]; ss text[]; sm uuid[]; starts int[]; counts int[];
    so uuid[]; cu uuid[];
    merchants int; chosen int[]; m int; k int; first int; lines int[]; subs uuid[]; x int; j int; o int; at int;
    v uuid[]; loc uuid[]; prod uuid[]; cat uuid[]; sk text[]; lso uuid[]; lm uuid[]; ln int[]; ms uuid[];
BEGIN
    SELECT array_agg(variant_id ORDER BY mi, si), array_agg(location_id ORDER BY mi, si),
           array_agg(product_id ORDER BY mi, si), array_agg(category_id ORDER BY mi, si), array_agg(sku ORDER BY mi, si),
           array_agg(merchant_id ORDER BY mi, si)
    INTO sv, sl, sp, sc, ss, sm FROM pgbench_checkout.sku;
    SELECT array_agg(s ORDER BY mi), array_agg(c ORDER BY mi), count(*) INTO starts, counts, merchants
    FROM (SELECT mi, min(row_number) AS s, count(*) AS c
          FROM (SELECT mi, row_number() OVER (ORDER BY mi, si) FROM pgbench_checkout.sku) q GROUP BY mi) q;
    SELECT array_agg(storefront_id ORDER BY i), array_agg(customer_id ORDER BY i) INTO so, cu FROM pgbench_checkout.owner;
    FOR n IN 1..120000 LOOP
        chosen := '{}';
        WHILE cardinality(chosen) < 3 LOOP
            m := 1 + floor(random() * merchants)::int;
            IF NOT m = ANY (chosen) THEN chosen := chosen || m; END IF;
        END LOOP;
        v := '{}'; loc := '{}'; prod := '{}'; cat := '{}'; sk := '{}'; lso := '{}'; lm := '{}'; ln := '{}'; ms := '{}';
        subs := ARRAY[gen_random_uuid(), gen_random_uuid(), gen_random_uuid()];
        FOR j IN 1..3 LOOP
            k := counts[chosen[j]];
            first := floor(random() * k)::int;
            lines := ARRAY[first];
            IF j < 3 THEN lines := lines || ((first + 1 + floor(random() * (k - 1))::int) % k); END IF;
            FOR x IN 1..cardinality(lines) LOOP
                at := starts[chosen[j]] + lines[x];
                v := v || sv[at]; loc := loc || sl[at]; prod := prod || sp[at]; cat := cat || sc[at]; sk := sk || ss[at];
                lso := lso || subs[j]; lm := lm || sm[at]; ln := ln || (x - 1);
            END LOOP;
            ms := ms || sm[at];
        END LOOP;
        o := 1 + n % owners;
        INSERT INTO pgbench_checkout.plan VALUES (n, gen_random_uuid(), so[o], cu[o], v, loc, prod, cat, sk, lso,
            lm, ln, ms, subs, gen_random_uuid(), gen_random_uuid(), key);
    END LOOP;
    -- The hot SKU: the first merchant's first SKU; one sub-order per cart.
    INSERT INTO pgbench_checkout.hot_plan
    SELECT n, gen_random_uuid(), so[1 + n % owners], cu[1 + n % owners], ARRAY[sv[1]], ARRAY[sl[1]], ARRAY[sp[1]],
           ARRAY[sc[1]], ARRAY[ss[1]], ARRAY[sub], ARRAY[sm[1]], ARRAY[0], ARRAY[sm[1]], ARRAY[sub], gen_random_uuid(),
           gen_random_uuid(), key
    FROM (SELECT n, gen_random_uuid() AS sub FROM generate_series(1, 120000) AS n) AS hot;
END $$;
INSERT INTO cart (id, storefront_id, customer_id)
SELECT cart_id, storefront_id, customer_id FROM pgbench_checkout.plan
UNION ALL SELECT cart_id, storefront_id, customer_id FROM pgbench_checkout.hot_plan;
INSERT INTO cart_line (cart_id, variant_id, quantity, seen_price_amount, seen_price_currency)
SELECT p.cart_id, pv.id, 1, pv.price_amount, pv.price_currency
FROM (SELECT cart_id, variants FROM pgbench_checkout.plan UNION ALL SELECT cart_id, variants FROM pgbench_checkout.hot_plan) p,
     unnest(p.variants) AS l(id) JOIN product_variant pv ON pv.id = l.id;
ANALYZE pgbench_checkout.plan;
ANALYZE pgbench_checkout.hot_plan;
ANALYZE cart; ANALYZE cart_line;
SELECT count(*) AS plans FROM pgbench_checkout.plan;
SELECT count(*) AS hot_plans FROM pgbench_checkout.hot_plan;
