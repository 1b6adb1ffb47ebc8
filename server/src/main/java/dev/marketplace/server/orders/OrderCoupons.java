package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * How checkout, cancellations and returns take coupons and promotions into account without depending on the
 * promotions domain (decision 42), which implements it. Every method runs in the caller's transaction. Coupons apply
 * before loyalty points: points pay for what the coupons left.
 */
public interface OrderCoupons {

    /** A line of a placed order as the promotions domain needs it: what a coupon may cover and discount. */
    record Line(UUID subOrderId, UUID merchantId, int lineNumber, UUID productId, UUID categoryId, long quantity,
                Money subtotal) {
    }

    /**
     * Applies the coupons of {@code codes} (and the automatic promotions the order fits) to the placed order's lines,
     * counting their uses and budget; returns each line's discount, in {@code lines}' order (each at most its
     * subtotal). Refuses (409) a code that does not apply or whose limits are reached.
     */
    Money[] placed(DSLContext tx, UUID customerId, UUID orderId, OffsetDateTime paymentDueAt, List<Line> lines,
                   List<String> codes);

    /**
     * A coupon as {@link #preview} shows it: its funder ({@code merchantId}, null for the platform), its discount and
     * its share of each line, in the lines' order. {@code code} is null for an automatic promotion.
     */
    record Previewed(UUID couponId, String code, String name, UUID merchantId, Money amount, Money[] perLine) {
    }

    /**
     * What {@link #placed} would apply to these lines now, by the same stacking and allocation, without counting any
     * use or budget; refuses (409) as it does. Per-customer limits are checked only when {@code customerId} is given.
     */
    List<Previewed> preview(DSLContext db, UUID customerId, List<Line> lines, List<String> codes);

    /**
     * The part of these units of the sub-order's lines (line number → units; all of them when empty) that coupons
     * paid, which a refund in money must leave out.
     */
    Money paidWithCoupons(DSLContext tx, UUID subOrderId, Map<Integer, Long> units, String currency);

    /**
     * These units came back (all of the sub-order when {@code units} is empty, before release when
     * {@code beforeRelease}): their coupons' share goes back to the coupons' budgets and funders.
     * {@code cause} names the change once.
     */
    void givenBack(DSLContext tx, UUID subOrderId, String cause, Map<Integer, Long> units, boolean beforeRelease);
}
