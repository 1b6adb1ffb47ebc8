-- A lease commit's PostgreSQL side, measured statement by statement (decision 129).

-- event_id names an event to the outside (webhooks) and is a random UUID from the server; no statement looks an event
-- up by it (subscribers read by type and position, parked events join by position, webhook deliveries and ledger
-- rows keep their own copy). Its unique index cost an entry in a random leaf page for every event inserted and again
-- for every event settled (settling's update is not HOT): twelve per lease commit.
ALTER TABLE domain_event DROP CONSTRAINT domain_event_event_id_key;

-- Settling as V18's, with one change: a caller that polls (the settling job, each subscriber's poll) passes
-- wait => false and, when another caller holds the lock, returns 0 at once rather than queueing behind it and then
-- finding the rows settled (only its counters' updates left to write). What the holder's snapshot missed, the next
-- poll settles. A caller that must see its own committed writes settled when it returns keeps the default and waits.
DROP FUNCTION settle_changes();
CREATE FUNCTION settle_changes(wait boolean DEFAULT true) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    changes bigint;
    events  bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM change_log
                   WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot()))
       AND NOT EXISTS (SELECT 1 FROM domain_event
                       WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())) THEN
        RETURN 0;
    END IF;
    IF wait THEN
        PERFORM pg_advisory_xact_lock(7277712);
    ELSIF NOT pg_try_advisory_xact_lock(7277712) THEN
        RETURN 0;
    END IF;
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
    GET DIAGNOSTICS changes = ROW_COUNT;
    WITH pending AS MATERIALIZED (
        SELECT id, row_number() OVER (ORDER BY txid, id) AS rank
        FROM domain_event
        WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
    ), counter AS (
        UPDATE domain_event_feed SET settled_through = settled_through + (SELECT count(*) FROM pending)
        RETURNING settled_through - (SELECT count(*) FROM pending) AS base
    )
    UPDATE domain_event SET position = counter.base + pending.rank
    FROM pending, counter
    WHERE domain_event.id = pending.id;
    GET DIAGNOSTICS events = ROW_COUNT;
    RETURN changes + events;
END
$$;
