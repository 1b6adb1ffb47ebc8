-- Set-up of checkout-onecall.sql and checkout-onecall-tx.sql (decision 145): checkout.sql's statements, text for text
-- (its ":name" variables as the routine's parameters "p_name"), in one PL/pgSQL routine each, in a scratch schema
-- that checkout-onecall-teardown.sql drops. Generated from checkout.sql: rows a statement returns are read to the end
-- (FOR ... LOOP END LOOP) as the client reads them.
CREATE SCHEMA pgbench_onecall;
-- The script's transactions kept: a COMMIT where the script's statement ends its own (autocommit) transaction or its
-- explicit one, so each commit waits for the disk or not as the script's does. Only the round trips go.
CREATE PROCEDURE pgbench_onecall.checkout(
    p_cart_id uuid,
    p_storefront_id uuid,
    p_customer_id uuid,
    p_variants uuid[],
    p_locations uuid[],
    p_products uuid[],
    p_categories uuid[],
    p_skus text[],
    p_line_sub_orders uuid[],
    p_line_merchants uuid[],
    p_line_numbers int[],
    p_merchants uuid[],
    p_sub_orders uuid[],
    p_order_id uuid,
    p_reservation_id uuid,
    p_pii_key_id text)
LANGUAGE plpgsql AS $$
DECLARE returned record;
BEGIN
  insert into "idempotency_record" ("client_id", "idempotency_key", "request_fingerprint", "state", "locked_until",
    "expires_at", "held_by_node", "claim")
  select cast('pgbench-checkout' as varchar), cast(CAST(p_cart_id AS text) as varchar),
    cast(decode(md5(CAST(p_cart_id AS text)) || md5(CAST(p_order_id AS text)), 'hex') as bytea),
    cast('in_flight' as varchar), clock_timestamp() + 60000 * interval '1 millisecond',
    clock_timestamp() + 86400000 * interval '1 millisecond', cast(1 as int), cast(p_order_id as uuid)
  where set_config('synchronous_commit', 'off', true) = 'off'
  on conflict do nothing;
  COMMIT;
  FOR returned IN
  select "cart"."id", "cart"."storefront_id", "cart"."customer_id", "cart"."checked_out_order_id", "cart"."version",
    "cart"."created_at", "cart"."updated_at", "cart_line"."variant_id", "cart_line"."quantity",
    "cart_line"."seen_price_amount", "cart_line"."seen_price_currency"
  from "cart" left outer join "cart_line" on "cart_line"."cart_id" = "cart"."id"
  where ("cart"."id" = cast(p_cart_id as uuid)
    and (('storefront' = 'customer' and "cart"."storefront_id" = cast(p_storefront_id as uuid)
          and "cart"."customer_id" is null)
      or ("cart"."customer_id" = cast(p_customer_id as uuid) and 'storefront' = 'storefront'
          and "cart"."storefront_id" = cast(p_storefront_id as uuid))))
  order by "cart_line"."added_at", "cart_line"."variant_id"
  LOOP END LOOP;
  COMMIT;
  FOR returned IN
  select "id", "product_id", "merchant_id", "category_id", "sku", "title", "attributes", "price_amount", "price_currency",
    "status", "commission_rate_bps"
  from variants_for_sale(cast(p_variants as uuid[]))
  LOOP END LOOP;
  COMMIT;
  FOR returned IN
  select "id" from merchants_in_status(cast(p_merchants as uuid[]), 'active')
  LOOP END LOOP;
  COMMIT;
  FOR returned IN
  select "dropship_variant"."variant_id" from "dropship_variant"
  join "dropship_connection" on "dropship_connection"."id" = "dropship_variant"."connection_id"
  left outer join "dropship_connection" as "backup" on "backup"."id" = "dropship_variant"."backup_connection_id"
  where ("dropship_variant"."variant_id" in (cast((CAST(p_variants AS uuid[]))[1] as uuid),
      cast((CAST(p_variants AS uuid[]))[2] as uuid), cast((CAST(p_variants AS uuid[]))[3] as uuid),
      cast((CAST(p_variants AS uuid[]))[4] as uuid), cast((CAST(p_variants AS uuid[]))[5] as uuid))
    and ("dropship_connection"."last_success_at" < cast(now() - interval '30 minutes' as timestamp(6) with time zone)
         or "dropship_connection"."stale_since" is not null)
    and ("backup"."id" is null or "dropship_variant"."backup_supplier_stock" is null
         or "backup"."last_success_at" < cast(now() - interval '30 minutes' as timestamp(6) with time zone)
         or "backup"."stale_since" is not null))
  LOOP END LOOP;
  COMMIT;
  FOR returned IN
  select "variant_id", "available" from stock_most_available(cast(p_variants as uuid[]))
  LOOP END LOOP;
  COMMIT;
  FOR returned IN
  SELECT set_config('synchronous_commit', 'off', true), pg_notify('cart_changed', payload)
  FROM unnest(ARRAY[CAST(p_cart_id AS text)]) AS payload
  LOOP END LOOP;
  COMMIT;
  FOR returned IN
  update "cart" set "checked_out_order_id" = cast(p_order_id as uuid), "version" = ("cart"."version" + 1),
    "updated_at" = cast(current_timestamp as timestamp with time zone)
  where ("cart"."id" = cast(p_cart_id as uuid) and "cart"."version" = 1 and "cart"."checked_out_order_id" is null
    and set_config('synchronous_commit', 'off', true) = 'off')
  returning clock_timestamp()
  LOOP END LOOP;
  FOR returned IN
  select "promotion_coupon"."id", "promotion_coupon"."code", "promotion_coupon"."merchant_id", "promotion_coupon"."name",
    "promotion_coupon"."kind", "promotion_coupon"."percentage_bp", "promotion_coupon"."amount_off",
    "promotion_coupon"."currency", "promotion_coupon"."min_spend", "promotion_coupon"."starts_at",
    "promotion_coupon"."ends_at", "promotion_coupon"."max_uses", "promotion_coupon"."budget",
    "promotion_coupon"."budget_spent", "promotion_coupon"."max_uses_per_customer", "promotion_coupon"."merchant_ids",
    "promotion_coupon"."category_ids", "promotion_coupon"."product_ids", "promotion_coupon"."created_by",
    "promotion_coupon"."created_at", "promotion_coupon"."version"
  from "promotion_coupon"
  where (false or ("promotion_coupon"."code" is null and "promotion_coupon"."currency" = 'JPY'
    and "promotion_coupon"."starts_at" <= cast(now() as timestamp(6) with time zone)
    and "promotion_coupon"."ends_at" > cast(now() as timestamp(6) with time zone)))
  order by "promotion_coupon"."created_at", "promotion_coupon"."id"
  LOOP END LOOP;
  with "points_order_row" as (insert into "points_order" ("order_id", "customer_id", "currency", "redeemed_points",
      "payment_due_at")
    values (cast(p_order_id as uuid), cast(p_customer_id as uuid), 'JPY', 0,
      cast(now() + interval '30 minutes' as timestamp(6) with time zone)) returning "points_order"."order_id")
  insert into "points_order_line" ("order_id", "sub_order_id", "merchant_id", "line_number", "category_id", "quantity",
    "subtotal_amount", "points")
  select cast(p_order_id as uuid), l.sub_order_id, l.merchant_id, l.line_number, l.category_id, 1, 3000, 0
  from unnest(CAST(p_line_sub_orders AS uuid[]), CAST(p_line_merchants AS uuid[]), CAST(p_line_numbers AS int[]),
              CAST(p_categories AS uuid[])) AS l(sub_order_id, merchant_id, line_number, category_id);
  FOR returned IN
  with "order_row" as (insert into "customer_order" ("id", "storefront_id", "customer_id", "cart_id", "status", "version",
      "currency", "subtotal_amount", "tax_amount", "discount_amount", "total_amount", "shipping_address_sealed", "pii_key_id",
      "reservation_id", "payment_due_at")
    values (cast(p_order_id as uuid), cast(p_storefront_id as uuid), cast(p_customer_id as uuid), cast(p_cart_id as uuid),
      'placed', 1, 'JPY', 15000, 1500, 0, 16500, decode(repeat('5a', 240), 'hex'), p_pii_key_id,
      cast(p_reservation_id as uuid), cast(now() + interval '30 minutes' as timestamp(6) with time zone))
    returning "customer_order"."created_at"),
  "sub_order_rows" as (insert into "sub_order" ("id", "order_id", "merchant_id", "status", "version", "currency",
      "subtotal_amount", "tax_amount", "total_amount", "commission_amount", "acceptance_due_at", "ship_by_at")
    select s.id, cast(p_order_id as uuid), s.merchant_id, 'pending_payment', 1, 'JPY', 5000, 500, 5500, 500,
      cast(null as timestamp(6) with time zone), cast(null as timestamp(6) with time zone)
    from unnest(CAST(p_sub_orders AS uuid[]), CAST(p_merchants AS uuid[])) AS s(id, merchant_id)
    returning "sub_order"."id"),
  "order_line_rows" as (insert into "order_line" ("sub_order_id", "line_number", "variant_id", "product_id", "sku",
      "title", "quantity", "unit_price_amount", "subtotal_amount", "tax_rate_bp", "tax_amount", "commission_rate_bp")
    select l.sub_order_id, l.line_number, l.variant_id, l.product_id, l.sku,
      cast('{"ja":"有機緑茶ティーバッグ 20包","en":"Organic green tea, 20 bags"}' as jsonb), 1, 3000, 3000, 1000, 300, 1000
    from unnest(CAST(p_line_sub_orders AS uuid[]), CAST(p_line_numbers AS int[]), CAST(p_variants AS uuid[]),
                CAST(p_products AS uuid[]), CAST(p_skus AS text[])) AS l(sub_order_id, line_number, variant_id, product_id, sku)
    returning "order_line"."line_number")
  select "order_row"."created_at" from "order_row"
  LOOP END LOOP;
  FOR returned IN
  with "chosen" as (
    select "channel_id", "code", "attributed_by", "rank" from (
      select cast(NULL as uuid) as "channel_id", cast(NULL as text) as "code", 'code' as "attributed_by", 0 as "rank"
      union all
      (select "channel_code"."channel_id", "coupon"."code", 'code', 1
       from unnest(cast('{}' as text[]), cast('{}' as text[])) with ordinality as "coupon"("code", "code_key", "position")
       join "channel_code" on "channel_code"."code_key" = "coupon"."code_key"
       order by "coupon"."position" desc limit 1)
      union all
      select "channel"."id", null, 'client', 2 from "channel"
      where "channel"."principal_type" = 'storefront' and "channel"."principal_id" = cast(p_storefront_id as uuid)) "candidate"
    where "channel_id" is not null
    order by "rank" limit 1),
  "order_row" as (
    insert into "channel_order" ("order_id", "placed_at", "channel_id", "attributed_by", "code",
      "placed_by_type", "placed_by_id", "customer_id", "currency")
    select cast(p_order_id as uuid), cast(now() as timestamp with time zone), "chosen"."channel_id",
      "chosen"."attributed_by", "chosen"."code", 'storefront', cast(p_storefront_id as uuid), cast(p_customer_id as uuid), 'JPY'
    from (select) "one" left join "chosen" on true
    returning "channel_order"."order_id", "channel_order"."channel_id", "channel_order"."attributed_by",
      "channel_order"."code", "channel_order"."currency"),
  "sub_order_rows" as (
    insert into "channel_sub_order" ("sub_order_id", "order_id", "channel_id", "merchant_id", "currency",
      "net_sales", "total")
    select "sub"."id", "order_row"."order_id", "order_row"."channel_id", "sub"."merchant_id",
      "order_row"."currency", "sub"."net_sales", "sub"."total"
    from "order_row", unnest(cast(p_sub_orders as uuid[]), cast(p_merchants as uuid[]), cast('{5000,5000,5000}' as bigint[]),
      cast('{5500,5500,5500}' as bigint[]))
      as "sub"("id", "merchant_id", "net_sales", "total")
    where "order_row"."channel_id" is not null)
  select "channel_id", "attributed_by", "code" from "order_row"
  LOOP END LOOP;
  with "history" as (insert into "order_transition" ("order_id", "sub_order_id", "to_status", "actor", "reason")
    select cast(p_order_id as uuid), "history_row"."sub_order_id", "history_row"."to_status",
      'customer-x via storefront-y', 'checkout'
    from unnest(ARRAY[NULL, (CAST(p_sub_orders AS uuid[]))[1], (CAST(p_sub_orders AS uuid[]))[2],
                      (CAST(p_sub_orders AS uuid[]))[3]]::uuid[],
                ARRAY['placed', 'pending_payment', 'pending_payment', 'pending_payment']) with ordinality
         as "history_row"(sub_order_id, to_status, position)
    order by "history_row"."position"
    returning "order_transition"."id")
  insert into "domain_event" ("event_id", "idempotency_id", "type", "order_id", "sub_order_id", "merchant_id",
    "customer_id", "payload")
  select gen_random_uuid(), ('order_transition:' || cast("history"."id" as text)), 'order_placed',
    cast(p_order_id as uuid), cast(NULL as uuid), cast(NULL as uuid), cast(p_customer_id as uuid),
    cast('{"storefrontId":"' || CAST(p_storefront_id AS text) || '","toStatus":"placed","reason":"checkout"}' as jsonb)
  from "history" order by "history"."id" fetch next 1 rows only
  on conflict ("idempotency_id") do nothing;
  FOR returned IN
  select "variant_id", "location_id", "merchant_id", "on_hand", "reserved", "last_source_sequence", "low_stock_threshold",
    "updated_at", "last_change_reason", "sku", "location_code", "row_address"
  from stock_levels_locked(cast(p_variants as uuid[]))
  LOOP END LOOP;
  FOR returned IN
  with "saved" as (update "stock_level" set "on_hand" = "stock_level"."on_hand", "reserved" = "stock_level"."reserved" + 1,
      "last_source_sequence" = "stock_level"."last_source_sequence",
      "low_stock_threshold" = "stock_level"."low_stock_threshold",
      "updated_at" = cast(current_timestamp as timestamp with time zone), "last_change_reason" = 'reserved'
    from unnest(cast(p_variants as uuid[]), cast(p_locations as uuid[])) AS changed(variant_id, location_id)
    where ("stock_level"."variant_id" = "changed"."variant_id" and "stock_level"."location_id" = "changed"."location_id")
    returning "stock_level"."variant_id"),
  "reservation_lines" as (insert into "stock_reservation_line" ("reservation_id", "line_number", "variant_id",
      "location_id", "quantity")
    select cast(p_reservation_id as uuid), r.position - 1, r.variant_id, r.location_id, 1
    from unnest(CAST(p_variants AS uuid[]), CAST(p_locations AS uuid[])) WITH ORDINALITY AS r(variant_id, location_id, position)
    returning "stock_reservation_line"."line_number")
  insert into "stock_reservation" ("id", "owner_type", "owner_id", "status", "expires_at")
  values (cast(p_reservation_id as uuid), 'operator', cast('00000000-0000-0000-0000-000000000000' as uuid), 'active',
    clock_timestamp() + 2700000 * interval '1 millisecond')
  returning "stock_reservation"."id", "stock_reservation"."owner_type", "stock_reservation"."owner_id",
    "stock_reservation"."status", "stock_reservation"."expires_at", "stock_reservation"."created_at",
    "stock_reservation"."updated_at"
  LOOP END LOOP;
  FOR returned IN
  with "mark" as (update "idempotency_record"
      set "committed_at" = coalesce("idempotency_record"."committed_at", clock_timestamp())
    where ("idempotency_record"."client_id" = 'pgbench-checkout'
      and "idempotency_record"."idempotency_key" = CAST(p_cart_id AS text)
      and "idempotency_record"."claim" = cast(p_order_id as uuid)
      and ((SELECT pg_current_xact_id_if_assigned()) IS NOT NULL))
    returning "idempotency_record"."claim")
  select exists (select 1 as "one" from "mark"), ((SELECT pg_current_xact_id_if_assigned()) IS NOT NULL)
  LOOP END LOOP;
  COMMIT;
  FOR returned IN
  SELECT pg_logical_emit_message(true, 'marketplace.durable', '')
  LOOP END LOOP;
  COMMIT;
  update "idempotency_record" set "state" = 'completed', "response_status" = 201,
    "response_headers" = cast('{"Content-Type":"application/json","Location":"/v1/orders/x"}' as jsonb),
    "response_body" = decode(repeat('7b', 2600), 'hex'), "response_deflated" = true
  where ("idempotency_record"."client_id" = 'pgbench-checkout'
    and "idempotency_record"."idempotency_key" = CAST(p_cart_id AS text)
    and "idempotency_record"."claim" = cast(p_order_id as uuid)
    and set_config('synchronous_commit', 'off', true) = 'off');
  COMMIT;
  insert into "audit_event" ("request_id", "client_id", "principal_type", "principal_id", "method", "path", "status")
  select "line"."request_id", "line"."client_id", "line"."principal_type", "line"."principal_id", "line"."method",
    "line"."path", "line"."status"
  from unnest(cast(ARRAY[CAST(p_order_id AS text)] as text[]), cast(ARRAY['pgbench-checkout'] as text[]),
    cast(ARRAY['storefront'] as text[]), ARRAY[cast(p_storefront_id as uuid)], cast(ARRAY['POST'] as text[]),
    cast(ARRAY['/v1/orders'] as text[]), cast(ARRAY[201] as int[]))
    AS line(request_id, client_id, principal_type, principal_id, method, path, status)
  where set_config('synchronous_commit', 'off', true) = 'off';
  COMMIT;
END $$;
-- The whole checkout as one transaction (decision 144's option 1 as a server-side function would be): the key's claim,
-- the order, the kept answer and the audit line commit together, with one flush (the commit waits for the disk; the
-- statements' own set_config(..., 'off', true) would make it not wait, hence the last line).
CREATE FUNCTION pgbench_onecall.checkout_in_one_transaction(
    p_cart_id uuid,
    p_storefront_id uuid,
    p_customer_id uuid,
    p_variants uuid[],
    p_locations uuid[],
    p_products uuid[],
    p_categories uuid[],
    p_skus text[],
    p_line_sub_orders uuid[],
    p_line_merchants uuid[],
    p_line_numbers int[],
    p_merchants uuid[],
    p_sub_orders uuid[],
    p_order_id uuid,
    p_reservation_id uuid,
    p_pii_key_id text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE returned record;
BEGIN
  insert into "idempotency_record" ("client_id", "idempotency_key", "request_fingerprint", "state", "locked_until",
    "expires_at", "held_by_node", "claim")
  select cast('pgbench-checkout' as varchar), cast(CAST(p_cart_id AS text) as varchar),
    cast(decode(md5(CAST(p_cart_id AS text)) || md5(CAST(p_order_id AS text)), 'hex') as bytea),
    cast('in_flight' as varchar), clock_timestamp() + 60000 * interval '1 millisecond',
    clock_timestamp() + 86400000 * interval '1 millisecond', cast(1 as int), cast(p_order_id as uuid)
  where set_config('synchronous_commit', 'off', true) = 'off'
  on conflict do nothing;
  FOR returned IN
  select "cart"."id", "cart"."storefront_id", "cart"."customer_id", "cart"."checked_out_order_id", "cart"."version",
    "cart"."created_at", "cart"."updated_at", "cart_line"."variant_id", "cart_line"."quantity",
    "cart_line"."seen_price_amount", "cart_line"."seen_price_currency"
  from "cart" left outer join "cart_line" on "cart_line"."cart_id" = "cart"."id"
  where ("cart"."id" = cast(p_cart_id as uuid)
    and (('storefront' = 'customer' and "cart"."storefront_id" = cast(p_storefront_id as uuid)
          and "cart"."customer_id" is null)
      or ("cart"."customer_id" = cast(p_customer_id as uuid) and 'storefront' = 'storefront'
          and "cart"."storefront_id" = cast(p_storefront_id as uuid))))
  order by "cart_line"."added_at", "cart_line"."variant_id"
  LOOP END LOOP;
  FOR returned IN
  select "id", "product_id", "merchant_id", "category_id", "sku", "title", "attributes", "price_amount", "price_currency",
    "status", "commission_rate_bps"
  from variants_for_sale(cast(p_variants as uuid[]))
  LOOP END LOOP;
  FOR returned IN
  select "id" from merchants_in_status(cast(p_merchants as uuid[]), 'active')
  LOOP END LOOP;
  FOR returned IN
  select "dropship_variant"."variant_id" from "dropship_variant"
  join "dropship_connection" on "dropship_connection"."id" = "dropship_variant"."connection_id"
  left outer join "dropship_connection" as "backup" on "backup"."id" = "dropship_variant"."backup_connection_id"
  where ("dropship_variant"."variant_id" in (cast((CAST(p_variants AS uuid[]))[1] as uuid),
      cast((CAST(p_variants AS uuid[]))[2] as uuid), cast((CAST(p_variants AS uuid[]))[3] as uuid),
      cast((CAST(p_variants AS uuid[]))[4] as uuid), cast((CAST(p_variants AS uuid[]))[5] as uuid))
    and ("dropship_connection"."last_success_at" < cast(now() - interval '30 minutes' as timestamp(6) with time zone)
         or "dropship_connection"."stale_since" is not null)
    and ("backup"."id" is null or "dropship_variant"."backup_supplier_stock" is null
         or "backup"."last_success_at" < cast(now() - interval '30 minutes' as timestamp(6) with time zone)
         or "backup"."stale_since" is not null))
  LOOP END LOOP;
  FOR returned IN
  select "variant_id", "available" from stock_most_available(cast(p_variants as uuid[]))
  LOOP END LOOP;
  FOR returned IN
  SELECT set_config('synchronous_commit', 'off', true), pg_notify('cart_changed', payload)
  FROM unnest(ARRAY[CAST(p_cart_id AS text)]) AS payload
  LOOP END LOOP;
  FOR returned IN
  update "cart" set "checked_out_order_id" = cast(p_order_id as uuid), "version" = ("cart"."version" + 1),
    "updated_at" = cast(current_timestamp as timestamp with time zone)
  where ("cart"."id" = cast(p_cart_id as uuid) and "cart"."version" = 1 and "cart"."checked_out_order_id" is null
    and set_config('synchronous_commit', 'off', true) = 'off')
  returning clock_timestamp()
  LOOP END LOOP;
  FOR returned IN
  select "promotion_coupon"."id", "promotion_coupon"."code", "promotion_coupon"."merchant_id", "promotion_coupon"."name",
    "promotion_coupon"."kind", "promotion_coupon"."percentage_bp", "promotion_coupon"."amount_off",
    "promotion_coupon"."currency", "promotion_coupon"."min_spend", "promotion_coupon"."starts_at",
    "promotion_coupon"."ends_at", "promotion_coupon"."max_uses", "promotion_coupon"."budget",
    "promotion_coupon"."budget_spent", "promotion_coupon"."max_uses_per_customer", "promotion_coupon"."merchant_ids",
    "promotion_coupon"."category_ids", "promotion_coupon"."product_ids", "promotion_coupon"."created_by",
    "promotion_coupon"."created_at", "promotion_coupon"."version"
  from "promotion_coupon"
  where (false or ("promotion_coupon"."code" is null and "promotion_coupon"."currency" = 'JPY'
    and "promotion_coupon"."starts_at" <= cast(now() as timestamp(6) with time zone)
    and "promotion_coupon"."ends_at" > cast(now() as timestamp(6) with time zone)))
  order by "promotion_coupon"."created_at", "promotion_coupon"."id"
  LOOP END LOOP;
  with "points_order_row" as (insert into "points_order" ("order_id", "customer_id", "currency", "redeemed_points",
      "payment_due_at")
    values (cast(p_order_id as uuid), cast(p_customer_id as uuid), 'JPY', 0,
      cast(now() + interval '30 minutes' as timestamp(6) with time zone)) returning "points_order"."order_id")
  insert into "points_order_line" ("order_id", "sub_order_id", "merchant_id", "line_number", "category_id", "quantity",
    "subtotal_amount", "points")
  select cast(p_order_id as uuid), l.sub_order_id, l.merchant_id, l.line_number, l.category_id, 1, 3000, 0
  from unnest(CAST(p_line_sub_orders AS uuid[]), CAST(p_line_merchants AS uuid[]), CAST(p_line_numbers AS int[]),
              CAST(p_categories AS uuid[])) AS l(sub_order_id, merchant_id, line_number, category_id);
  FOR returned IN
  with "order_row" as (insert into "customer_order" ("id", "storefront_id", "customer_id", "cart_id", "status", "version",
      "currency", "subtotal_amount", "tax_amount", "discount_amount", "total_amount", "shipping_address_sealed", "pii_key_id",
      "reservation_id", "payment_due_at")
    values (cast(p_order_id as uuid), cast(p_storefront_id as uuid), cast(p_customer_id as uuid), cast(p_cart_id as uuid),
      'placed', 1, 'JPY', 15000, 1500, 0, 16500, decode(repeat('5a', 240), 'hex'), p_pii_key_id,
      cast(p_reservation_id as uuid), cast(now() + interval '30 minutes' as timestamp(6) with time zone))
    returning "customer_order"."created_at"),
  "sub_order_rows" as (insert into "sub_order" ("id", "order_id", "merchant_id", "status", "version", "currency",
      "subtotal_amount", "tax_amount", "total_amount", "commission_amount", "acceptance_due_at", "ship_by_at")
    select s.id, cast(p_order_id as uuid), s.merchant_id, 'pending_payment', 1, 'JPY', 5000, 500, 5500, 500,
      cast(null as timestamp(6) with time zone), cast(null as timestamp(6) with time zone)
    from unnest(CAST(p_sub_orders AS uuid[]), CAST(p_merchants AS uuid[])) AS s(id, merchant_id)
    returning "sub_order"."id"),
  "order_line_rows" as (insert into "order_line" ("sub_order_id", "line_number", "variant_id", "product_id", "sku",
      "title", "quantity", "unit_price_amount", "subtotal_amount", "tax_rate_bp", "tax_amount", "commission_rate_bp")
    select l.sub_order_id, l.line_number, l.variant_id, l.product_id, l.sku,
      cast('{"ja":"有機緑茶ティーバッグ 20包","en":"Organic green tea, 20 bags"}' as jsonb), 1, 3000, 3000, 1000, 300, 1000
    from unnest(CAST(p_line_sub_orders AS uuid[]), CAST(p_line_numbers AS int[]), CAST(p_variants AS uuid[]),
                CAST(p_products AS uuid[]), CAST(p_skus AS text[])) AS l(sub_order_id, line_number, variant_id, product_id, sku)
    returning "order_line"."line_number")
  select "order_row"."created_at" from "order_row"
  LOOP END LOOP;
  FOR returned IN
  with "chosen" as (
    select "channel_id", "code", "attributed_by", "rank" from (
      select cast(NULL as uuid) as "channel_id", cast(NULL as text) as "code", 'code' as "attributed_by", 0 as "rank"
      union all
      (select "channel_code"."channel_id", "coupon"."code", 'code', 1
       from unnest(cast('{}' as text[]), cast('{}' as text[])) with ordinality as "coupon"("code", "code_key", "position")
       join "channel_code" on "channel_code"."code_key" = "coupon"."code_key"
       order by "coupon"."position" desc limit 1)
      union all
      select "channel"."id", null, 'client', 2 from "channel"
      where "channel"."principal_type" = 'storefront' and "channel"."principal_id" = cast(p_storefront_id as uuid)) "candidate"
    where "channel_id" is not null
    order by "rank" limit 1),
  "order_row" as (
    insert into "channel_order" ("order_id", "placed_at", "channel_id", "attributed_by", "code",
      "placed_by_type", "placed_by_id", "customer_id", "currency")
    select cast(p_order_id as uuid), cast(now() as timestamp with time zone), "chosen"."channel_id",
      "chosen"."attributed_by", "chosen"."code", 'storefront', cast(p_storefront_id as uuid), cast(p_customer_id as uuid), 'JPY'
    from (select) "one" left join "chosen" on true
    returning "channel_order"."order_id", "channel_order"."channel_id", "channel_order"."attributed_by",
      "channel_order"."code", "channel_order"."currency"),
  "sub_order_rows" as (
    insert into "channel_sub_order" ("sub_order_id", "order_id", "channel_id", "merchant_id", "currency",
      "net_sales", "total")
    select "sub"."id", "order_row"."order_id", "order_row"."channel_id", "sub"."merchant_id",
      "order_row"."currency", "sub"."net_sales", "sub"."total"
    from "order_row", unnest(cast(p_sub_orders as uuid[]), cast(p_merchants as uuid[]), cast('{5000,5000,5000}' as bigint[]),
      cast('{5500,5500,5500}' as bigint[]))
      as "sub"("id", "merchant_id", "net_sales", "total")
    where "order_row"."channel_id" is not null)
  select "channel_id", "attributed_by", "code" from "order_row"
  LOOP END LOOP;
  with "history" as (insert into "order_transition" ("order_id", "sub_order_id", "to_status", "actor", "reason")
    select cast(p_order_id as uuid), "history_row"."sub_order_id", "history_row"."to_status",
      'customer-x via storefront-y', 'checkout'
    from unnest(ARRAY[NULL, (CAST(p_sub_orders AS uuid[]))[1], (CAST(p_sub_orders AS uuid[]))[2],
                      (CAST(p_sub_orders AS uuid[]))[3]]::uuid[],
                ARRAY['placed', 'pending_payment', 'pending_payment', 'pending_payment']) with ordinality
         as "history_row"(sub_order_id, to_status, position)
    order by "history_row"."position"
    returning "order_transition"."id")
  insert into "domain_event" ("event_id", "idempotency_id", "type", "order_id", "sub_order_id", "merchant_id",
    "customer_id", "payload")
  select gen_random_uuid(), ('order_transition:' || cast("history"."id" as text)), 'order_placed',
    cast(p_order_id as uuid), cast(NULL as uuid), cast(NULL as uuid), cast(p_customer_id as uuid),
    cast('{"storefrontId":"' || CAST(p_storefront_id AS text) || '","toStatus":"placed","reason":"checkout"}' as jsonb)
  from "history" order by "history"."id" fetch next 1 rows only
  on conflict ("idempotency_id") do nothing;
  FOR returned IN
  select "variant_id", "location_id", "merchant_id", "on_hand", "reserved", "last_source_sequence", "low_stock_threshold",
    "updated_at", "last_change_reason", "sku", "location_code", "row_address"
  from stock_levels_locked(cast(p_variants as uuid[]))
  LOOP END LOOP;
  FOR returned IN
  with "saved" as (update "stock_level" set "on_hand" = "stock_level"."on_hand", "reserved" = "stock_level"."reserved" + 1,
      "last_source_sequence" = "stock_level"."last_source_sequence",
      "low_stock_threshold" = "stock_level"."low_stock_threshold",
      "updated_at" = cast(current_timestamp as timestamp with time zone), "last_change_reason" = 'reserved'
    from unnest(cast(p_variants as uuid[]), cast(p_locations as uuid[])) AS changed(variant_id, location_id)
    where ("stock_level"."variant_id" = "changed"."variant_id" and "stock_level"."location_id" = "changed"."location_id")
    returning "stock_level"."variant_id"),
  "reservation_lines" as (insert into "stock_reservation_line" ("reservation_id", "line_number", "variant_id",
      "location_id", "quantity")
    select cast(p_reservation_id as uuid), r.position - 1, r.variant_id, r.location_id, 1
    from unnest(CAST(p_variants AS uuid[]), CAST(p_locations AS uuid[])) WITH ORDINALITY AS r(variant_id, location_id, position)
    returning "stock_reservation_line"."line_number")
  insert into "stock_reservation" ("id", "owner_type", "owner_id", "status", "expires_at")
  values (cast(p_reservation_id as uuid), 'operator', cast('00000000-0000-0000-0000-000000000000' as uuid), 'active',
    clock_timestamp() + 2700000 * interval '1 millisecond')
  returning "stock_reservation"."id", "stock_reservation"."owner_type", "stock_reservation"."owner_id",
    "stock_reservation"."status", "stock_reservation"."expires_at", "stock_reservation"."created_at",
    "stock_reservation"."updated_at"
  LOOP END LOOP;
  FOR returned IN
  with "mark" as (update "idempotency_record"
      set "committed_at" = coalesce("idempotency_record"."committed_at", clock_timestamp())
    where ("idempotency_record"."client_id" = 'pgbench-checkout'
      and "idempotency_record"."idempotency_key" = CAST(p_cart_id AS text)
      and "idempotency_record"."claim" = cast(p_order_id as uuid)
      and ((SELECT pg_current_xact_id_if_assigned()) IS NOT NULL))
    returning "idempotency_record"."claim")
  select exists (select 1 as "one" from "mark"), ((SELECT pg_current_xact_id_if_assigned()) IS NOT NULL)
  LOOP END LOOP;
  FOR returned IN
  SELECT pg_logical_emit_message(true, 'marketplace.durable', '')
  LOOP END LOOP;
  update "idempotency_record" set "state" = 'completed', "response_status" = 201,
    "response_headers" = cast('{"Content-Type":"application/json","Location":"/v1/orders/x"}' as jsonb),
    "response_body" = decode(repeat('7b', 2600), 'hex'), "response_deflated" = true
  where ("idempotency_record"."client_id" = 'pgbench-checkout'
    and "idempotency_record"."idempotency_key" = CAST(p_cart_id AS text)
    and "idempotency_record"."claim" = cast(p_order_id as uuid)
    and set_config('synchronous_commit', 'off', true) = 'off');
  insert into "audit_event" ("request_id", "client_id", "principal_type", "principal_id", "method", "path", "status")
  select "line"."request_id", "line"."client_id", "line"."principal_type", "line"."principal_id", "line"."method",
    "line"."path", "line"."status"
  from unnest(cast(ARRAY[CAST(p_order_id AS text)] as text[]), cast(ARRAY['pgbench-checkout'] as text[]),
    cast(ARRAY['storefront'] as text[]), ARRAY[cast(p_storefront_id as uuid)], cast(ARRAY['POST'] as text[]),
    cast(ARRAY['/v1/orders'] as text[]), cast(ARRAY[201] as int[]))
    AS line(request_id, client_id, principal_type, principal_id, method, path, status)
  where set_config('synchronous_commit', 'off', true) = 'off';
  PERFORM set_config('synchronous_commit', 'on', true);
END $$;
