package dev.marketplace.server.orders;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The sales figures reports are made of, from the orders domain's tables: every sub-order that was paid and not
 * cancelled or rejected counts, at its total (price with tax, before discounts), in the period its order was placed.
 */
public final class SalesFigures {

    /**
     * For one currency and period {@code [from, to)}: GMV, orders, customers and those with two orders or more; and
     * since the beginning up to {@code to}, the lifetime GMV and its customers.
     */
    public record Sales(long gmv, long orders, long customers, long repeatCustomers, long lifetimeGmv,
                        long lifetimeCustomers) {
    }

    private final DSLContext dsl;

    SalesFigures(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Of one merchant's sub-orders, or of the whole marketplace when {@code merchant} is empty. */
    public Sales sales(Optional<UUID> merchant, String currency, OffsetDateTime from, OffsetDateTime to) {
        Record row = dsl.fetchSingle("""
                WITH counted AS (
                    SELECT o.id AS order_id, o.customer_id, s.total_amount, o.created_at >= ?::timestamptz AS in_period
                    FROM sub_order s JOIN customer_order o ON o.id = s.order_id
                    WHERE s.status IN ('awaiting_acceptance', 'accepted', 'partially_shipped', 'shipped', 'delivered',
                                       'closed')
                      AND s.currency = ?::text AND o.created_at < ?::timestamptz AND (?::uuid IS NULL OR s.merchant_id = ?::uuid)
                ), repeat AS (
                    SELECT customer_id FROM counted WHERE in_period GROUP BY customer_id
                    HAVING count(DISTINCT order_id) >= 2
                )
                SELECT COALESCE(sum(total_amount) FILTER (WHERE in_period), 0)::bigint AS gmv,
                       count(DISTINCT order_id) FILTER (WHERE in_period) AS orders,
                       count(DISTINCT customer_id) FILTER (WHERE in_period) AS customers,
                       (SELECT count(*) FROM repeat) AS repeat_customers,
                       COALESCE(sum(total_amount), 0)::bigint AS lifetime_gmv,
                       count(DISTINCT customer_id) AS lifetime_customers
                FROM counted""", from, currency, to, merchant.orElse(null), merchant.orElse(null));
        return new Sales(row.get("gmv", Long.class), row.get("orders", Long.class), row.get("customers", Long.class),
                row.get("repeat_customers", Long.class), row.get("lifetime_gmv", Long.class),
                row.get("lifetime_customers", Long.class));
    }
}
