package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * How checkout, cancellations and returns take the customer's loyalty points into account without depending on the
 * points domain (decision 35), which implements it. Every method runs in the caller's transaction.
 */
public interface OrderPoints {

    /**
     * A line of a placed order as the points domain needs it: what it earns on ({@code subtotal}, the price excluding
     * tax after coupons) and what points can pay (that and its {@code tax}, decision 54).
     */
    record Line(UUID subOrderId, UUID merchantId, int lineNumber, UUID categoryId, long quantity, Money subtotal,
                Money tax) {

        /** A line whose tax points do not pay. */
        public Line(UUID subOrderId, UUID merchantId, int lineNumber, UUID categoryId, long quantity, Money subtotal) {
            this(subOrderId, merchantId, lineNumber, categoryId, quantity, subtotal, Money.zero(subtotal.currency()));
        }
    }

    /**
     * Records the placed order's lines and spends {@code points} of the customer's available points on it (0: none);
     * returns the discount, the points' money value, allocated over {@code lines} in their order (the prices
     * excluding tax first, then the tax; each at most its subtotal with tax, together exactly the points' value).
     * Refuses (409) more points than the customer has or the order may take.
     */
    Money[] placed(DSLContext tx, UUID customerId, UUID orderId, OffsetDateTime paymentDueAt, List<Line> lines,
                   long points);

    /**
     * A preview of {@link #placed}: each line's discount, in the lines' order, and the points' value by the funder of
     * the lots they would be taken from ({@code platform} or {@code merchant:{id}}).
     */
    record Previewed(Money[] perLine, Map<String, Money> byFunder) {
    }

    /**
     * What {@link #placed} would take now for {@code points} (0: none), without spending or locking anything; refuses
     * (409) as it does.
     */
    Previewed preview(DSLContext db, UUID customerId, List<Line> lines, long points);

    /**
     * The part of these units of the sub-order's lines (line number → units; all of them when empty) that was paid
     * with points, which a refund in money must leave out.
     */
    Money paidWithPoints(DSLContext tx, UUID subOrderId, Map<Integer, Long> units, String currency);

    /**
     * These units came back (all of the sub-order when {@code units} is empty: cancelled or rejected before
     * release, so {@code beforeRelease}): their earned points are voided or clawed back, their redeemed points
     * returned. {@code cause} names the change once (a replay changes nothing).
     */
    void givenBack(DSLContext tx, UUID subOrderId, String cause, Map<Integer, Long> units, boolean beforeRelease);
}
