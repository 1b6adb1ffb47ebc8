package dev.marketplace.server.payments;

import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
import static dev.marketplace.schema.Tables.PAYMENT_WEBHOOK_EVENT;

import dev.marketplace.schema.tables.records.PaymentRecord;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Payments and applied webhook ids; runs in the caller's transaction. */
final class PaymentRepository {

    Payment insertIntent(DSLContext db, UUID orderId, String provider, String paymentMethod, Money amount) {
        UUID id = UUID.randomUUID();
        return payment(db.insertInto(PAYMENT)
                .set(PAYMENT.ID, id)
                .set(PAYMENT.ORDER_ID, orderId)
                .set(PAYMENT.PROVIDER, provider)
                // The key of every provider call for this payment, reused on every retry and reconciliation.
                .set(PAYMENT.IDEMPOTENCY_KEY, "payment-" + id)
                .set(PAYMENT.PAYMENT_METHOD, paymentMethod)
                .set(PAYMENT.STATUS, Payment.PaymentStatus.PENDING.wireName())
                .set(PAYMENT.AMOUNT, amount.amount())
                .set(PAYMENT.CURRENCY, amount.currency())
                .returning().fetchOne());
    }

    Optional<Payment> lock(DSLContext db, UUID id) {
        return db.selectFrom(PAYMENT).where(PAYMENT.ID.eq(id)).forUpdate().fetchOptional().map(PaymentRepository::payment);
    }

    Optional<Payment> lockByProviderId(DSLContext db, String provider, String providerPaymentId) {
        return db.selectFrom(PAYMENT).where(PAYMENT.PROVIDER.eq(provider))
                .and(PAYMENT.PROVIDER_PAYMENT_ID.eq(providerPaymentId))
                .forUpdate().fetchOptional().map(PaymentRepository::payment);
    }

    /** The order's payment in flight or captured, if any (there is at most one). */
    Optional<Payment> live(DSLContext db, UUID orderId) {
        return db.selectFrom(PAYMENT).where(PAYMENT.ORDER_ID.eq(orderId))
                .and(PAYMENT.STATUS.in(Payment.PaymentStatus.PENDING.wireName(), Payment.PaymentStatus.CAPTURED.wireName()))
                .fetchOptional().map(PaymentRepository::payment);
    }

    List<Payment> ofOrder(DSLContext db, UUID orderId) {
        return db.selectFrom(PAYMENT).where(PAYMENT.ORDER_ID.eq(orderId)).orderBy(PAYMENT.CREATED_AT, PAYMENT.ID)
                .fetch(PaymentRepository::payment);
    }

    void update(DSLContext db, UUID id, Payment.PaymentStatus status, String providerPaymentId, String failureCode) {
        db.update(PAYMENT)
                .set(PAYMENT.STATUS, status.wireName())
                .set(PAYMENT.PROVIDER_PAYMENT_ID, DSL.coalesce(DSL.val(providerPaymentId), PAYMENT.PROVIDER_PAYMENT_ID))
                .set(PAYMENT.FAILURE_CODE, failureCode)
                .set(PAYMENT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PAYMENT.ID.eq(id)).execute();
    }

    /**
     * Claims up to {@code limit} pending payments untouched for {@code settle}, for reconciliation: each claimed one
     * is touched, so no other node takes it for another {@code settle}; rows another node holds are skipped.
     */
    List<Payment> claimStalePending(DSLContext db, Duration settle, int limit) {
        List<UUID> ids = db.select(PAYMENT.ID).from(PAYMENT)
                .where(PAYMENT.STATUS.eq(Payment.PaymentStatus.PENDING.wireName()))
                .and(PAYMENT.UPDATED_AT.le(DatabaseClock.nowMinus(settle)))
                .orderBy(PAYMENT.UPDATED_AT)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(PAYMENT.ID);
        db.update(PAYMENT).set(PAYMENT.UPDATED_AT, DSL.currentOffsetDateTime()).where(PAYMENT.ID.in(ids)).execute();
        return db.selectFrom(PAYMENT).where(PAYMENT.ID.in(ids)).fetch(PaymentRepository::payment);
    }

    /** A refund not yet done: the payment's provider id, amount and key to send it with. */
    record PendingRefund(UUID id, UUID paymentId, UUID subOrderId, String provider, String providerPaymentId,
                         String idempotencyKey, Money amount, String cause, int retries) {
    }

    /** Records a pending refund, due {@code now}; returns its id. */
    UUID insertRefund(DSLContext db, UUID paymentId, UUID subOrderId, Money amount, String reason, String cause,
                      OffsetDateTime now) {
        UUID id = UUID.randomUUID();
        db.insertInto(PAYMENT_REFUND)
                .set(PAYMENT_REFUND.DUE_AT, now)
                .set(PAYMENT_REFUND.CAUSE, cause)
                .set(PAYMENT_REFUND.ID, id)
                .set(PAYMENT_REFUND.PAYMENT_ID, paymentId)
                .set(PAYMENT_REFUND.SUB_ORDER_ID, subOrderId)
                .set(PAYMENT_REFUND.IDEMPOTENCY_KEY, "refund-" + id)
                .set(PAYMENT_REFUND.AMOUNT, amount.amount())
                .set(PAYMENT_REFUND.CURRENCY, amount.currency())
                .set(PAYMENT_REFUND.STATUS, "pending")
                .set(PAYMENT_REFUND.REASON, reason)
                .execute();
        return id;
    }

    /**
     * Claims refunds that are due (rows another node holds are skipped) and moves them out of reach for
     * {@code leaseFor}: the claimer sends them after its transaction commits, and a refund whose outcome stays unknown
     * is due again when the lease has passed.
     */
    List<PendingRefund> claimDueRefunds(DSLContext db, OffsetDateTime now, Duration leaseFor, int limit) {
        List<UUID> ids = db.select(PAYMENT_REFUND.ID).from(PAYMENT_REFUND)
                .where(PAYMENT_REFUND.STATUS.eq("pending"))
                .and(PAYMENT_REFUND.DUE_AT.le(now))
                .orderBy(PAYMENT_REFUND.DUE_AT).limit(limit)
                .forUpdate().skipLocked().fetch(PAYMENT_REFUND.ID);
        db.update(PAYMENT_REFUND)
                .set(PAYMENT_REFUND.DUE_AT, now.plus(leaseFor))
                .set(PAYMENT_REFUND.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PAYMENT_REFUND.ID.in(ids)).execute();
        return pendingRefunds(db, ids);
    }

    private static List<PendingRefund> pendingRefunds(DSLContext db, List<UUID> ids) {
        return db.select(PAYMENT_REFUND.ID, PAYMENT_REFUND.PAYMENT_ID, PAYMENT_REFUND.SUB_ORDER_ID, PAYMENT.PROVIDER,
                        PAYMENT.PROVIDER_PAYMENT_ID, PAYMENT_REFUND.IDEMPOTENCY_KEY, PAYMENT_REFUND.AMOUNT,
                        PAYMENT_REFUND.CURRENCY, PAYMENT_REFUND.CAUSE, PAYMENT_REFUND.RETRIES)
                .from(PAYMENT_REFUND).join(PAYMENT).on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID))
                .where(PAYMENT_REFUND.ID.in(ids))
                .fetch(r -> new PendingRefund(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(), r.value6(),
                        Money.of(r.value7(), r.value8()), r.value9(), r.value10()));
    }

    /** Records a refund as done, once; whether this call did. */
    boolean completeRefund(DSLContext db, PendingRefund refund, String providerRefundId) {
        boolean done = db.update(PAYMENT_REFUND).set(PAYMENT_REFUND.STATUS, "succeeded")
                .set(PAYMENT_REFUND.PROVIDER_REFUND_ID, providerRefundId)
                .set(PAYMENT_REFUND.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PAYMENT_REFUND.ID.eq(refund.id())).and(PAYMENT_REFUND.STATUS.eq("pending")).execute() == 1;
        if (done) {
            db.update(PAYMENT).set(PAYMENT.REFUNDED_AMOUNT, PAYMENT.REFUNDED_AMOUNT.plus(refund.amount().amount()))
                    .set(PAYMENT.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(PAYMENT.ID.eq(refund.paymentId())).execute();
        }
        return done;
    }

    /** Remembers the provider's id of a refund it has not settled yet, so its webhook finds the refund. */
    void recordProviderRefundId(DSLContext db, UUID refundId, String providerRefundId) {
        db.update(PAYMENT_REFUND).set(PAYMENT_REFUND.PROVIDER_REFUND_ID, providerRefundId)
                .where(PAYMENT_REFUND.ID.eq(refundId)).and(PAYMENT_REFUND.STATUS.eq("pending")).execute();
    }

    /** The pending refund the provider knows by this id, locked; empty when unknown or already settled. */
    Optional<PendingRefund> lockPendingRefund(DSLContext db, String provider, String providerRefundId) {
        return db.select(PAYMENT_REFUND.ID, PAYMENT_REFUND.PAYMENT_ID, PAYMENT_REFUND.SUB_ORDER_ID, PAYMENT.PROVIDER,
                        PAYMENT.PROVIDER_PAYMENT_ID, PAYMENT_REFUND.IDEMPOTENCY_KEY, PAYMENT_REFUND.AMOUNT,
                        PAYMENT_REFUND.CURRENCY, PAYMENT_REFUND.CAUSE, PAYMENT_REFUND.RETRIES)
                .from(PAYMENT_REFUND).join(PAYMENT).on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID))
                .where(PAYMENT_REFUND.PROVIDER_REFUND_ID.eq(providerRefundId), PAYMENT.PROVIDER.eq(provider),
                        PAYMENT_REFUND.STATUS.eq("pending"))
                .forUpdate().of(PAYMENT_REFUND)
                .fetchOptional(r -> new PendingRefund(r.value1(), r.value2(), r.value3(), r.value4(), r.value5(),
                        r.value6(), Money.of(r.value7(), r.value8()), r.value9(), r.value10()));
    }

    /**
     * Counts a definite refusal of a pending refund (the provider's {@code code}); returns the attempts refused so
     * far, empty when the refund is no longer pending (settled meanwhile, or a repeated answer).
     */
    Optional<Integer> countRefusal(DSLContext db, UUID refundId, String code) {
        return db.update(PAYMENT_REFUND).set(PAYMENT_REFUND.ATTEMPTS, PAYMENT_REFUND.ATTEMPTS.plus(1))
                .set(PAYMENT_REFUND.FAILURE_CODE, code)
                .set(PAYMENT_REFUND.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PAYMENT_REFUND.ID.eq(refundId)).and(PAYMENT_REFUND.STATUS.eq("pending"))
                .returning(PAYMENT_REFUND.ATTEMPTS).fetchOptional(PAYMENT_REFUND.ATTEMPTS);
    }

    /** A refused refund is sent again (same key) at {@code dueAt}. */
    void retryRefundAt(DSLContext db, UUID refundId, OffsetDateTime dueAt) {
        db.update(PAYMENT_REFUND).set(PAYMENT_REFUND.DUE_AT, dueAt)
                .where(PAYMENT_REFUND.ID.eq(refundId)).and(PAYMENT_REFUND.STATUS.eq("pending")).execute();
    }

    void failRefund(DSLContext db, UUID refundId) {
        db.update(PAYMENT_REFUND).set(PAYMENT_REFUND.STATUS, Refund.FAILED)
                .set(PAYMENT_REFUND.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PAYMENT_REFUND.ID.eq(refundId)).and(PAYMENT_REFUND.STATUS.eq("pending")).execute();
    }

    Optional<Refund> refund(DSLContext db, UUID refundId) {
        return db.selectFrom(PAYMENT_REFUND).where(PAYMENT_REFUND.ID.eq(refundId))
                .fetchOptional(r -> new Refund(r.getId(), r.getPaymentId(), r.getSubOrderId(),
                        Money.of(r.getAmount(), r.getCurrency()), r.getStatus(), r.getAttempts(), r.getRetries(),
                        r.getFailureCode()));
    }

    /**
     * A failed refund pending again, due {@code now}, as its next retry: a new provider attempt under a new key
     * ({@code refund-{id}:retry:{n}}), the old one having been definitively refused. Empty unless it was failed.
     */
    Optional<Refund> retryFailedRefund(DSLContext db, UUID refundId, OffsetDateTime now) {
        int retried = db.update(PAYMENT_REFUND).set(PAYMENT_REFUND.STATUS, "pending")
                .set(PAYMENT_REFUND.RETRIES, PAYMENT_REFUND.RETRIES.plus(1))
                .set(PAYMENT_REFUND.IDEMPOTENCY_KEY, DSL.concat(DSL.val("refund-"), PAYMENT_REFUND.ID.cast(String.class),
                        DSL.val(":retry:"), PAYMENT_REFUND.RETRIES.plus(1).cast(String.class)))
                .set(PAYMENT_REFUND.DUE_AT, now)
                .set(PAYMENT_REFUND.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PAYMENT_REFUND.ID.eq(refundId)).and(PAYMENT_REFUND.STATUS.eq(Refund.FAILED)).execute();
        return retried == 1 ? refund(db, refundId) : Optional.empty();
    }

    /** Remembers a webhook as applied; false when it was applied before. */
    boolean markWebhookApplied(DSLContext db, String provider, String eventId) {
        return db.insertInto(PAYMENT_WEBHOOK_EVENT)
                .set(PAYMENT_WEBHOOK_EVENT.PROVIDER, provider)
                .set(PAYMENT_WEBHOOK_EVENT.EVENT_ID, eventId)
                .onConflictDoNothing()
                .execute() == 1;
    }

    private static Payment payment(PaymentRecord row) {
        return new Payment(row.getId(), row.getOrderId(), row.getProvider(), row.getIdempotencyKey(),
                row.getPaymentMethod(), Payment.PaymentStatus.fromWireName(row.getStatus()),
                Money.of(row.getAmount(), row.getCurrency()), Money.of(row.getRefundedAmount(), row.getCurrency()),
                row.getProviderPaymentId(), row.getFailureCode(), row.getCreatedAt(), row.getUpdatedAt());
    }
}
