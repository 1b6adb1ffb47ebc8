package dev.marketplace.server.payments;

import static dev.marketplace.schema.Tables.PAYMENT;

import dev.marketplace.server.payments.Payment.PaymentStatus;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * What the orders domain asks about an order's payments, answered by the domain that owns them. A condition rather
 * than a call where orders needs it inside its own statement (locking overdue orders with SKIP LOCKED).
 */
public final class OrderPayments {

    private OrderPayments() {
    }

    /** True for an order with a payment pending at the provider or captured. */
    public static Condition inFlightOrCaptured(Field<UUID> orderId) {
        return DSL.exists(DSL.selectOne().from(PAYMENT).where(PAYMENT.ORDER_ID.eq(orderId))
                .and(PAYMENT.STATUS.in(PaymentStatus.PENDING.wireName(), PaymentStatus.CAPTURED.wireName())));
    }

    /** Whether a payment of the order is pending at the provider, read in the caller's transaction. */
    public static boolean inFlight(DSLContext db, UUID orderId) {
        return db.fetchExists(DSL.selectOne().from(PAYMENT).where(PAYMENT.ORDER_ID.eq(orderId))
                .and(PAYMENT.STATUS.eq(PaymentStatus.PENDING.wireName())));
    }
}
