package dev.marketplace.server.payments;

import dev.marketplace.server.orders.Order;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.orders.OrderStateMachine;
import dev.marketplace.server.orders.OrderStatus;
import dev.marketplace.server.orders.RefundRequests;
import dev.marketplace.server.platform.crash.CrashPoints;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.RefundRequested;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.steps.Steps;
import dev.marketplace.server.platform.steps.Steps.Next;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Paying orders through the {@link PaymentProvider}. A payment is recorded as an intent (with the idempotency key of
 * every provider call for it) in one transaction, the provider is called outside any transaction, and the outcome
 * is recorded in another, together with the order's change and its money events. A crash or timeout between call
 * and record leaves a pending intent, which {@link #reconcile} completes from the provider's own record of the key —
 * so a payment is never lost, and, the key being reused, never charged twice. Refunds take the same shape: recorded
 * as due where they are requested, claimed and sent by {@link #sendDueRefunds}, their outcome recorded apart.
 */
public final class PaymentService implements RefundRequests {

    /** The job that sends due refunds ({@link #sendDueRefunds}). */
    public static final String REFUND_SENDING_JOB = "payments.refund-sending";
    /** The recovery job ({@link #reconcile}). */
    public static final String RECONCILIATION_JOB = "payments.reconciliation";

    private static final int RECONCILE_BATCH = 50;
    private static final System.Logger LOG = System.getLogger(PaymentService.class.getName());

    private final DSLContext dsl;
    private final PaymentProvider provider;
    private final OrderService orders;
    private final Duration reconcileAfter;
    private final RefundRetry refundRetry;
    private final Clock clock;
    private final PaymentRepository repository = new PaymentRepository();
    /** A payment's steps; each commits apart, the provider's call between two transactions. */
    private final Steps<PaymentRun> payment = Steps.<PaymentRun>of("payment")
            .step("record the intent with its idempotency key", this::recordIntent, this::failRefusedIntent)
            .step("authorize and capture at the provider", this::authorize)
            .step("record the outcome; a capture marks the order paid", this::recordOutcome)
            .step("sell the order's reserved stock", this::sellStock);

    /**
     * How often a refund the provider refuses is sent (decision 52): {@code attempts} in all, the n-th refusal
     * sending it again {@code backoff} × 2^(n−1) later (with the same idempotency key); the last one gives it up.
     */
    public record RefundRetry(int attempts, Duration backoff) {

        public RefundRetry {
            if (attempts < 1 || backoff.isNegative()) {
                throw new IllegalArgumentException("a refund is sent at least once, after a backoff of 0 or more");
            }
        }

        /** When a refund refused {@code refused} times is due again; empty once it is given up. */
        Optional<Duration> after(int refused) {
            return refused >= attempts ? Optional.empty()
                    : Optional.of(backoff.multipliedBy(1L << Math.min(refused - 1, 30)));
        }
    }

    /**
     * @param reconcileAfter how long a payment stays pending before the recovery job asks the provider about it
     * @param clock when refunds are due and retried
     */
    public PaymentService(DSLContext dsl, PaymentProvider provider, OrderService orders, Duration reconcileAfter,
                          RefundRetry refundRetry, Clock clock) {
        this.dsl = dsl;
        this.provider = provider;
        this.orders = orders;
        this.reconcileAfter = reconcileAfter;
        this.refundRetry = refundRetry;
        this.clock = clock;
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    /**
     * Pays a placed order in full (authorized and captured at once: the funds are then held in escrow). A declined
     * payment leaves the order placed and payable again until its deadline; a payment whose outcome is unknown stays
     * {@code pending} until reconciled. Paying a paid order answers its captured payment.
     */
    public Payment pay(Principal caller, UUID orderId, String paymentMethod) {
        try {
            return payment.run(new PaymentRun(caller, orderId, paymentMethod)).payment;
        } catch (PaymentProviderException refused) {
            throw ProblemException.validation("paymentMethod", "payment_refused",
                    "The payment provider refused the request (" + refused.code() + ").");
        }
    }

    /** What the steps of a payment share: the payment as last recorded, and what the provider answered. */
    private static final class PaymentRun {
        final Principal caller;
        final UUID orderId;
        final String paymentMethod;
        Payment payment;
        ProviderPayment outcome;

        PaymentRun(Principal caller, UUID orderId, String paymentMethod) {
            this.caller = caller;
            this.orderId = orderId;
            this.paymentMethod = paymentMethod;
        }
    }

    /** The intent is recorded with the key of every provider call before the provider is called. */
    private Next recordIntent(PaymentRun run) {
        run.payment = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            OrderService.PaymentLock locked = orders.lockForPayment(db, run.caller, run.orderId);
            Order order = locked.order();
            Optional<Payment> live = repository.live(db, run.orderId);
            if (live.isPresent()) {
                if (live.get().status() == Payment.PaymentStatus.CAPTURED) {
                    return live.get();
                }
                throw ProblemException.conflict("payment_in_progress",
                        "A payment of this order is in progress; its outcome will be recorded shortly.")
                        .with("paymentId", live.get().id().toString());
            }
            OrderStateMachine.require(order.status(), OrderStateMachine.Action.PAY);
            if (locked.pastPaymentDeadline()) {
                throw ProblemException.conflict("illegal_status_transition",
                        "The order was not paid by its deadline and is expiring.")
                        .with("currentState", OrderStatus.EXPIRED.wireName());
            }
            return repository.insertIntent(db, run.orderId, provider.name(), run.paymentMethod, order.total());
        });
        return run.payment.status() == Payment.PaymentStatus.PENDING ? Next.CONTINUE : Next.STOP;
    }

    /**
     * Undoes the intent when the provider refused it (so it took nothing): the payment failed and the order stays
     * payable. Any other failure leaves the intent pending: the provider may have taken the money, and reconciliation
     * asks it.
     */
    private void failRefusedIntent(PaymentRun run, RuntimeException cause) {
        if (cause instanceof PaymentProviderException refused && !refused.outcomeUnknown()) {
            record(run.payment.id(), Payment.PaymentStatus.FAILED, null, refused.code(), "provider");
            // The provider's own words stay in the log: a problem document carries ours, never an exception's text.
            LOG.log(System.Logger.Level.INFO, "payment " + run.payment.id() + " refused by the provider: "
                    + refused.getMessage());
        }
    }

    /** Outside any transaction; an outcome the provider did not give in time is left to reconciliation. */
    private Next authorize(PaymentRun run) {
        try {
            run.outcome = provider.authorize(authorization(run.payment));
            CrashPoints.reached(CrashPoints.PAYMENT_CAPTURED);
            return Next.CONTINUE;
        } catch (PaymentProviderException e) {
            if (!e.outcomeUnknown()) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "payment " + run.payment.id() + " outcome unknown; will reconcile", e);
            return Next.STOP;
        }
    }

    private Next recordOutcome(PaymentRun run) {
        run.payment = recordOutcome(run.payment.id(), run.outcome, "provider");
        return Next.CONTINUE;
    }

    private Next sellStock(PaymentRun run) {
        afterRecording(run.payment);
        return Next.CONTINUE;
    }

    /** The payments of an order the caller may see (404 otherwise), oldest first. */
    public List<Payment> ofOrder(Principal caller, UUID orderId) {
        orders.get(caller, orderId);
        return repository.ofOrder(dsl, orderId);
    }

    /**
     * The recovery job: asks the provider about payments pending longer than the settle time, by their idempotency
     * key, and records what it says. A key the provider never saw (the call did not reach it) is sent again with the
     * same key. Safe on every node (claimed with SKIP LOCKED); also commits the stock of paid orders a crash left
     * uncommitted. Returns how many payments it looked at.
     */
    public int reconcile() {
        List<Payment> stale = dsl.transactionResult(tx -> repository.claimStalePending(tx.dsl(), reconcileAfter,
                RECONCILE_BATCH));
        for (Payment payment : stale) {
            try {
                ProviderPayment outcome = provider.findByIdempotencyKey(payment.idempotencyKey())
                        .orElseGet(() -> provider.authorize(authorization(payment)));
                apply(payment.id(), outcome, "reconciliation");
            } catch (PaymentProviderException e) {
                if (e.outcomeUnknown()) {
                    LOG.log(System.Logger.Level.WARNING, "payment " + payment.id() + " still unknown; will retry", e);
                } else {
                    record(payment.id(), Payment.PaymentStatus.FAILED, null, e.code(), "reconciliation");
                }
            }
        }
        orders.commitPaidStock();
        return stale.size();
    }

    /**
     * In the caller's transaction: a refund of part of the order's captured payment, due at once (sent by
     * {@link #sendDueRefunds} once the transaction commits), and its {@code refund_requested} event.
     */
    @Override
    public void request(DSLContext tx, UUID orderId, UUID subOrderId, Money amount, String reason) {
        request(tx, orderId, subOrderId, amount, reason, null);
    }

    @Override
    public void request(DSLContext tx, UUID orderId, UUID subOrderId, Money amount, String reason, String cause) {
        Payment captured = repository.live(tx, orderId).filter(p -> p.status() == Payment.PaymentStatus.CAPTURED)
                .orElseThrow(() -> new IllegalStateException("order " + orderId + " has no captured payment to refund"));
        UUID refundId = repository.insertRefund(tx, captured.id(), subOrderId, amount, reason, cause, now());
        DomainEvents.append(tx, new RefundRequested(refundId, captured.id(), orders.partiesOf(tx, subOrderId), amount));
    }

    /**
     * The refund-sending job: claims due refunds in a short transaction of its own (SKIP LOCKED, safe on every
     * node), calls the provider for each outside any transaction, and records each outcome in another. Sending is
     * idempotent (the refund's own key), so a refund due again — its outcome unknown, or its sender died — is sent
     * again without refunding twice; it is due again {@code reconcileAfter} after it was claimed. Returns how many
     * refunds it sent.
     */
    public int sendDueRefunds() {
        List<PaymentRepository.PendingRefund> due = dsl.transactionResult(tx ->
                repository.claimDueRefunds(tx.dsl(), now(), reconcileAfter, RECONCILE_BATCH));
        due.forEach(this::send);
        return due.size();
    }

    /** Sends a claimed refund to the provider and records what it answered (a done one with its money event, once). */
    private void send(PaymentRepository.PendingRefund refund) {
        try {
            ProviderRefund done = provider.refund(refund.providerPaymentId(), refund.amount(), refund.idempotencyKey());
            CrashPoints.reached(CrashPoints.REFUND_SENT);
            switch (done.status()) {
                case FAILED -> dsl.transaction(tx -> refused(tx.dsl(), refund, "refund_failed"));
                // Settled by the provider's webhook, or asked again with the same key by the recovery job.
                case PENDING -> dsl.transaction(tx -> repository.recordProviderRefundId(tx.dsl(), refund.id(), done.id()));
                case SUCCEEDED -> dsl.transaction(tx -> completeRefund(tx.dsl(), refund, done.id()));
            }
        } catch (PaymentProviderException e) {
            if (e.outcomeUnknown()) {
                LOG.log(System.Logger.Level.WARNING, "refund " + refund.id() + " outcome unknown; will resend", e);
            } else {
                LOG.log(System.Logger.Level.WARNING, "the provider refused refund " + refund.id() + ": " + e.code(), e);
                dsl.transaction(tx -> refused(tx.dsl(), refund, e.code()));
            }
        }
    }

    /**
     * In the caller's transaction: the provider definitely refused the pending refund ({@code code}). Sent again
     * later per the {@link RefundRetry} policy, or, at its last attempt, given up: {@code failed}, with its
     * {@code refund_failed} money event (settlement undoes what its cause posted; webhook {@code refund.failed}).
     */
    private void refused(DSLContext db, PaymentRepository.PendingRefund refund, String code) {
        repository.countRefusal(db, refund.id(), code).ifPresent(refusals -> {
            Optional<Duration> retryAfter = refundRetry.after(refusals);
            if (retryAfter.isPresent()) {
                repository.retryRefundAt(db, refund.id(), now().plus(retryAfter.get()));
                return;
            }
            repository.failRefund(db, refund.id());
            LOG.log(System.Logger.Level.ERROR, "refund " + refund.id() + " given up after " + refusals
                    + " refusals (" + code + ")");
            DomainEvents.append(db, MoneyMovement.refundFailed(refund.id(), refund.cause(),
                    orders.partiesOf(db, refund.subOrderId()), refund.amount()));
        });
    }

    /**
     * In the caller's transaction: the refund is done, recorded with its money event, once; done by an operator's
     * retry, also with its {@code refund_retried} (settlement redoes what the refund's failure undid, decision 60).
     */
    private void completeRefund(DSLContext db, PaymentRepository.PendingRefund refund, String providerRefundId) {
        if (repository.completeRefund(db, refund, providerRefundId)) {
            Parties subOrder = orders.partiesOf(db, refund.subOrderId());
            DomainEvents.append(db, MoneyMovement.paymentRefunded(refund.id(), subOrder, refund.amount()));
            if (refund.retries() > 0) {
                DomainEvents.append(db, MoneyMovement.refundRetried(refund.id(), refund.retries(), refund.cause(),
                        subOrder, refund.amount()));
            }
        }
    }

    /** A refund the operator may see (the operator's only; 404 when unknown). */
    public Refund refund(Principal caller, UUID refundId) {
        requireOperator(caller);
        return repository.refund(dsl, refundId).orElseThrow(() -> ProblemException.notFound("refund"));
    }

    /**
     * The operator sends a refund the provider finally refused once more (decision 60): pending again at once, under
     * a new idempotency key, sent by {@link #sendDueRefunds}; its retry policy already spent, a refusal gives it up
     * again at once. 409 {@code refund_not_failed} unless it is failed.
     */
    public Refund retry(Principal caller, UUID refundId, String reason) {
        requireOperator(caller);
        Refund retried = dsl.transactionResult(tx -> repository.retryFailedRefund(tx.dsl(), refundId, now())
                .orElseThrow(() -> {
                    Refund refund = repository.refund(tx.dsl(), refundId)
                            .orElseThrow(() -> ProblemException.notFound("refund"));
                    return ProblemException.conflict("refund_not_failed",
                            "Only a refund the provider finally refused can be retried; this one is "
                                    + refund.status() + ".").with("currentState", refund.status());
                }));
        LOG.log(System.Logger.Level.INFO, "refund " + refundId + " retried (" + retried.retries() + ") by "
                + caller.subject() + (reason == null ? "" : ": " + reason));
        return retried;
    }

    private static void requireOperator(Principal caller) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Refunds are the operator's to see and retry.");
        }
    }

    /**
     * Applies a provider's webhook once: its signature is checked, its id remembered in the transaction that applies
     * it, so a duplicate delivery changes nothing. An event about a payment or refund we do not know (yet) is left to
     * reconciliation. Returns whether the event was new.
     */
    public boolean handleWebhook(String providerName, Map<String, List<String>> headers, byte[] body) {
        if (!provider.name().equals(providerName)) {
            throw ProblemException.notFound("payment provider");
        }
        ProviderEvent event;
        try {
            event = provider.readWebhook(headers, body);
        } catch (InvalidWebhookException e) {
            throw new ProblemException(400, "invalid_webhook", "Bad Request", e.getMessage());
        }
        WebhookResult result = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            if (!repository.markWebhookApplied(db, provider.name(), event.id())) {
                return new WebhookResult(false, null);
            }
            if (event.type() == ProviderEvent.Type.REFUND_SUCCEEDED || event.type() == ProviderEvent.Type.REFUND_FAILED) {
                // A refund we have not heard the provider's id of yet is settled by the recovery job instead.
                repository.lockPendingRefund(db, provider.name(), event.refundId()).ifPresent(refund -> {
                    if (event.type() == ProviderEvent.Type.REFUND_SUCCEEDED) {
                        completeRefund(db, refund, event.refundId());
                    } else {
                        refused(db, refund, "refund_failed");
                    }
                });
                return new WebhookResult(true, null);
            }
            Optional<Payment> payment = repository.lockByProviderId(db, provider.name(), event.paymentId());
            if (payment.isEmpty()) {
                return new WebhookResult(true, null);
            }
            return new WebhookResult(true, switch (event.type()) {
                case PAYMENT_CAPTURED -> applyLocked(db, payment.get(), Payment.PaymentStatus.CAPTURED, null, "webhook " + event.id());
                case PAYMENT_DECLINED -> applyLocked(db, payment.get(), Payment.PaymentStatus.DECLINED, event.declineCode(), "webhook " + event.id());
                case PAYMENT_VOIDED -> applyLocked(db, payment.get(), Payment.PaymentStatus.VOIDED, null, "webhook " + event.id());
                // Captured with the authorization, so authorizations change nothing; refunds are settled above.
                case PAYMENT_AUTHORIZED, REFUND_SUCCEEDED, REFUND_FAILED -> payment.get();
            });
        });
        afterRecording(result.payment());
        return result.fresh();
    }

    private record WebhookResult(boolean fresh, Payment payment) {
    }

    private PaymentProvider.AuthorizationRequest authorization(Payment payment) {
        return new PaymentProvider.AuthorizationRequest(payment.idempotencyKey(), payment.amount(),
                payment.paymentMethod(), payment.id().toString(), true);
    }

    /** Records what the provider answered, then sells the stock of a capture. */
    private Payment apply(UUID paymentId, ProviderPayment outcome, String actor) {
        Payment recorded = recordOutcome(paymentId, outcome, actor);
        afterRecording(recorded);
        return recorded;
    }

    /** Records what the provider answered (a capture marks the order paid); a payment already final is left as it is. */
    private Payment recordOutcome(UUID paymentId, ProviderPayment outcome, String actor) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Payment payment = repository.lock(db, paymentId).orElseThrow();
            if (payment.providerPaymentId() == null) {
                repository.update(db, paymentId, payment.status(), outcome.id(), payment.failureCode());
            }
            return switch (outcome.status()) {
                case CAPTURED -> applyLocked(db, payment, Payment.PaymentStatus.CAPTURED, null, actor);
                case DECLINED -> applyLocked(db, payment, Payment.PaymentStatus.DECLINED, outcome.declineCode(), actor);
                case VOIDED -> applyLocked(db, payment, Payment.PaymentStatus.VOIDED, null, actor);
                case PENDING, AUTHORIZED -> repository.lock(db, paymentId).orElseThrow();
            };
        });
    }

    /** In the caller's transaction, on the locked payment: moves a pending payment to its outcome, once. */
    private Payment applyLocked(DSLContext db, Payment payment, Payment.PaymentStatus status, String failureCode,
                                String actor) {
        if (payment.status().isFinal()) {
            if (payment.status() != status) {
                LOG.log(System.Logger.Level.WARNING, "payment " + payment.id() + " is " + payment.status().wireName()
                        + "; ignoring a later '" + status.wireName() + "' from " + actor);
            }
            return payment;
        }
        repository.update(db, payment.id(), status, null, failureCode);
        if (status == Payment.PaymentStatus.CAPTURED) {
            orders.markPaid(db, payment.orderId(), payment.id(), payment.amount(), "payments (" + actor + ")");
        }
        return repository.lock(db, payment.id()).orElseThrow();
    }

    private void record(UUID paymentId, Payment.PaymentStatus status, String providerPaymentId, String failureCode,
                        String actor) {
        dsl.transaction(tx -> {
            Payment payment = repository.lock(tx.dsl(), paymentId).orElseThrow();
            if (!payment.status().isFinal()) {
                repository.update(tx.dsl(), paymentId, status, providerPaymentId, failureCode);
                LOG.log(System.Logger.Level.INFO, "payment " + paymentId + " " + status.wireName() + " (" + actor + ")");
            }
        });
    }

    /** After a capture is recorded, the order's reserved stock is sold (its own transaction). */
    private void afterRecording(Payment payment) {
        if (payment != null && payment.status() == Payment.PaymentStatus.CAPTURED) {
            orders.commitStock(payment.orderId());
        }
    }
}
