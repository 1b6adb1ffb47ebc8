package dev.marketplace.server.points;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The points figures reports are made of, for a period {@code [from, to)}: points issued (earned lots by their
 * rules — base, campaigns, tiers — when earned, not adjustments or points given back), redeemed (at checkout, by
 * orders placed in the period and paid), and expired (lapsed in the period). For a merchant: the points it funds
 * (issued, expired) and those redeemed on its goods.
 */
public final class PointsFigures {

    public record Points(long issued, long redeemed, long expired) {
    }

    private final DSLContext dsl;

    PointsFigures(DSLContext dsl) {
        this.dsl = dsl;
    }

    public Points points(Optional<UUID> merchant, OffsetDateTime from, OffsetDateTime to) {
        String funder = merchant.map(PointsLedger::funderOf).orElse(null);
        Record row = dsl.fetchSingle("""
                SELECT (SELECT COALESCE(sum(points), 0) FROM points_lot
                         WHERE (rule IN ('base') OR rule LIKE 'campaign:%' OR rule LIKE 'tier:%')
                           AND earned_at >= ?::timestamptz AND earned_at < ?::timestamptz AND (?::text IS NULL OR funder = ?::text))::bigint
                           AS issued,
                       (SELECT COALESCE(sum(l.points), 0) FROM points_order_line l
                          JOIN points_order o ON o.order_id = l.order_id
                         WHERE o.state = 'paid' AND o.created_at >= ?::timestamptz AND o.created_at < ?::timestamptz
                           AND (?::uuid IS NULL OR l.merchant_id = ?::uuid))::bigint AS redeemed,
                       (SELECT COALESCE(-sum(e.points), 0) FROM points_entry e JOIN points_lot lot ON lot.id = e.lot_id
                         WHERE e.kind = 'expired' AND e.occurred_at >= ?::timestamptz AND e.occurred_at < ?::timestamptz
                           AND (?::text IS NULL OR lot.funder = ?::text))::bigint AS expired""",
                from, to, funder, funder, from, to, merchant.orElse(null), merchant.orElse(null), from, to, funder,
                funder);
        return new Points(row.get("issued", Long.class), row.get("redeemed", Long.class),
                row.get("expired", Long.class));
    }
}
