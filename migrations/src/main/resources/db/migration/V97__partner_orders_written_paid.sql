-- A lease's commit writes fewer rows and index entries (issue 17, decision 107).
--
-- A partner order is written already paid: its sub-orders are inserted awaiting acceptance instead of inserted pending
-- payment and updated at once. The merchants' sub-order feed still says what happened, as it did for the insert and
-- the update: every sub-order's 'placed', then the status each was paid into, in that order (the rows' ids, which
-- settling follows). A sub-order inserted pending payment (a checkout's) gets 'placed' alone, as before; updates are
-- recorded as before.
CREATE OR REPLACE FUNCTION record_sub_order_changes() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, kind, event)
        SELECT 'sub_orders', merchant_id, id, 'upserted', event
        FROM (SELECT 1 AS step, merchant_id, id, 'placed' AS event FROM changed_sub_orders
              UNION ALL
              SELECT 2, merchant_id, id, status FROM changed_sub_orders WHERE status <> 'pending_payment') AS entries
        ORDER BY step, id;
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, kind, event)
        SELECT 'sub_orders', n.merchant_id, n.id, 'upserted',
               CASE WHEN n.status IS DISTINCT FROM o.status THEN n.status ELSE 'updated' END
        FROM changed_sub_orders n JOIN old_sub_orders o USING (id);
    END IF;
    RETURN NULL;
END
$$;

