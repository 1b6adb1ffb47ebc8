package dev.marketplace.server.promotions;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The coupon figures reports are made of, for one currency and a period {@code [from, to)}: the coupons' cost (their
 * discounts on orders placed in the period and paid, less what cancellations and returns gave back) and their uses
 * (those orders' redemptions whose use did not come back). For a merchant: the coupons it funds.
 */
public final class CouponFigures {

    public record Coupons(long cost, long uses) {
    }

    private final DSLContext dsl;

    CouponFigures(DSLContext dsl) {
        this.dsl = dsl;
    }

    public Coupons coupons(Optional<UUID> merchant, String currency, OffsetDateTime from, OffsetDateTime to) {
        Record row = dsl.fetchSingle("""
                SELECT COALESCE(sum(r.amount - r.returned), 0)::bigint AS cost,
                       count(*) FILTER (WHERE NOT r.use_returned) AS uses
                FROM promotion_redemption r JOIN promotion_order o ON o.order_id = r.order_id
                WHERE o.state = 'paid' AND o.currency = ?::text AND o.created_at >= ?::timestamptz AND o.created_at < ?::timestamptz
                  AND (?::uuid IS NULL OR r.merchant_id = ?::uuid)""",
                currency, from, to, merchant.orElse(null), merchant.orElse(null));
        return new Coupons(row.get("cost", Long.class), row.get("uses", Long.class));
    }
}
