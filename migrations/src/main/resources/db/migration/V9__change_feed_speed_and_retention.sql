-- Change feeds at scale (decision 14): settling costs nothing when nothing is pending, positions are counted in a
-- one-row table rather than read back from change_log (which retention empties from below), and change_log keeps a
-- configurable number of days; a cursor from before the pruned range is refused instead of silently skipping.

-- settled_through: the highest position handed out; pruned_through: every position up to it may be deleted, so a
-- cursor below it has missed changes (410 cursor_expired).
CREATE TABLE change_feed (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    settled_through bigint  NOT NULL,
    pruned_through  bigint  NOT NULL DEFAULT 0
);
INSERT INTO change_feed (settled_through) SELECT coalesce(max(position), 0) FROM change_log;

-- Settles like V7's version, with two changes: a lock-free look first (the partial index of unsettled rows), so a
-- read with nothing pending neither waits for nor takes the lock; and the counter row instead of max(position).
-- Returns how many changes it settled.
DROP FUNCTION settle_changes();
CREATE FUNCTION settle_changes() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    settled bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM change_log
                   WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(7277712);
    -- A new snapshot from here on (READ COMMITTED, a volatile function): the settles of other nodes are visible.
    WITH pending AS MATERIALIZED (
        SELECT id, row_number() OVER (ORDER BY txid, id) AS rank
        FROM change_log
        WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
    ), counter AS (
        UPDATE change_feed SET settled_through = settled_through + (SELECT count(*) FROM pending)
        RETURNING settled_through - (SELECT count(*) FROM pending) AS base
    )
    UPDATE change_log SET position = counter.base + pending.rank
    FROM pending, counter
    WHERE change_log.id = pending.id;
    GET DIAGNOSTICS settled = ROW_COUNT;
    RETURN settled;
END
$$;

-- Deletes up to `batch` of the oldest settled changes, stopping at the first one made at or after `keep_after`, so
-- what is deleted is always a prefix of the feed and pruned_through names exactly where it ends. Unsettled rows are
-- never touched. Several nodes may call it: one prunes, the others find the lock taken and return 0.
CREATE FUNCTION prune_changes(keep_after timestamptz, batch integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    through bigint;
    removed bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7277713) THEN
        RETURN 0;
    END IF;
    SELECT coalesce(min(position) FILTER (WHERE changed_at >= keep_after) - 1, max(position)) INTO through
    FROM (SELECT position, changed_at FROM change_log WHERE position IS NOT NULL ORDER BY position LIMIT batch) oldest;
    IF through IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM change_log WHERE position IS NOT NULL AND position <= through;
    GET DIAGNOSTICS removed = ROW_COUNT;
    UPDATE change_feed SET pruned_through = greatest(pruned_through, through);
    RETURN removed;
END
$$;

-- Stock is written in bulk (10,000 levels per request): one statement-level trigger per statement, reading the
-- statement's transition tables, records its changes in one INSERT instead of one trigger call and INSERT per row.
-- Same rows as V7's row triggers: inserts and deletes (also cascaded ones) always, updates only when the row changed.
DROP TRIGGER stock_change ON stock_level;
DROP TRIGGER stock_change_on_update ON stock_level;
DROP FUNCTION record_stock_change();

-- Transition tables have no statistics: without the setting the planner paired old and new rows by a nested loop,
-- 10,000 × 10,000 comparisons for a bulk update.
CREATE FUNCTION record_stock_changes() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind)
        SELECT 'stock', merchant_id, variant_id, location_id, 'deleted' FROM old_levels;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind)
        SELECT 'stock', merchant_id, variant_id, location_id, 'upserted' FROM new_levels;
    ELSE
        INSERT INTO change_log (feed, merchant_id, entity_id, location_id, kind)
        SELECT 'stock', n.merchant_id, n.variant_id, n.location_id, 'upserted'
        FROM new_levels n JOIN old_levels o USING (variant_id, location_id)
        WHERE o IS DISTINCT FROM n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER stock_changes_on_insert AFTER INSERT ON stock_level
    REFERENCING NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION record_stock_changes();
CREATE TRIGGER stock_changes_on_update AFTER UPDATE ON stock_level
    REFERENCING OLD TABLE AS old_levels NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION record_stock_changes();
CREATE TRIGGER stock_changes_on_delete AFTER DELETE ON stock_level
    REFERENCING OLD TABLE AS old_levels FOR EACH STATEMENT EXECUTE FUNCTION record_stock_changes();
