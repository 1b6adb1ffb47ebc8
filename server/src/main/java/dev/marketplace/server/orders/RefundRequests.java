package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * How orders ask for money back without depending on the payments domain: a refund is requested in the transaction
 * of the state change that causes it; the payments domain sends it to the provider once that transaction has
 * committed (a subscriber of its {@code refund_requested} event), outside any transaction.
 */
public interface RefundRequests {

    /** In the caller's transaction: records a refund of {@code amount} of the order's captured payment. */
    void request(DSLContext tx, UUID orderId, UUID subOrderId, Money amount, String reason);

    /**
     * As {@link #request(DSLContext, UUID, UUID, Money, String)}, naming its {@code cause} as the money movements it
     * comes with do ({@code return:{id}}): should the refund finally fail, settlement undoes what that cause posted.
     */
    default void request(DSLContext tx, UUID orderId, UUID subOrderId, Money amount, String reason, String cause) {
        request(tx, orderId, subOrderId, amount, reason);
    }
}
