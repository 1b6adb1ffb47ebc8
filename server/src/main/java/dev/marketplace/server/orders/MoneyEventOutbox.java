package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.MONEY_EVENT;

import dev.marketplace.server.platform.money.Money;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Money movements for the settlement ledger, appended in the transaction of the state change that caused them.
 * Each has an idempotency id naming the movement (e.g. {@code payment_captured:<payment>}): recording it twice
 * keeps one event, so a retried or recovered step never moves money twice in the ledger.
 */
public final class MoneyEventOutbox {

    public enum Type {
        PAYMENT_AUTHORIZED, PAYMENT_CAPTURED, PAYMENT_VOIDED, PAYMENT_REFUNDED, ESCROW_RELEASED, COMMISSION_ACCRUED,
        COMMISSION_REVERSED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whose money moved: the order, and the sub-order and merchant when the movement is one merchant's. */
    public record Parties(UUID orderId, UUID subOrderId, UUID merchantId, UUID customerId) {
    }

    private MoneyEventOutbox() {
    }

    /** Appends the event unless one with the same idempotency id exists; returns whether it was appended. */
    public static boolean record(DSLContext db, Type type, String idempotencyId, Parties parties, Money amount) {
        return db.insertInto(MONEY_EVENT)
                .set(MONEY_EVENT.ID, UUID.randomUUID())
                .set(MONEY_EVENT.IDEMPOTENCY_ID, idempotencyId)
                .set(MONEY_EVENT.TYPE, type.wireName())
                .set(MONEY_EVENT.ORDER_ID, parties.orderId())
                .set(MONEY_EVENT.SUB_ORDER_ID, parties.subOrderId())
                .set(MONEY_EVENT.MERCHANT_ID, parties.merchantId())
                .set(MONEY_EVENT.CUSTOMER_ID, parties.customerId())
                .set(MONEY_EVENT.AMOUNT, amount.amount())
                .set(MONEY_EVENT.CURRENCY, amount.currency())
                .onConflict(MONEY_EVENT.IDEMPOTENCY_ID).doNothing()
                .execute() == 1;
    }
}
