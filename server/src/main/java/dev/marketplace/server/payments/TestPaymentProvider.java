package dev.marketplace.server.payments;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The built-in provider for the embedded default, demos and tests: it moves no real money and keeps its records in
 * memory (gone on restart, not shared between nodes — never configure it in production). Payment methods, like
 * the test cards of real providers: {@code pm_card_ok} succeeds, {@code pm_card_declined} and
 * {@code pm_card_insufficient_funds} are declined; {@code pm_card_refund_declined} is captured but every refund of it
 * is refused ({@code refund_declined}: a closed card); any other value is refused. Webhooks it accepts are signed with
 * its configured secret, so tests can deliver provider events through the real endpoint.
 */
public final class TestPaymentProvider implements PaymentProvider {

    public static final String OK = "pm_card_ok";
    public static final String DECLINED = "pm_card_declined";
    public static final String INSUFFICIENT_FUNDS = "pm_card_insufficient_funds";
    public static final String REFUND_DECLINED = "pm_card_refund_declined";

    private final StandardWebhooks webhooks;
    private final Clock clock;
    private final Map<String, ProviderPayment> paymentsById = new ConcurrentHashMap<>();
    private final Map<String, String> paymentIdsByKey = new ConcurrentHashMap<>();
    private final Map<String, Object> resultsByKey = new ConcurrentHashMap<>();
    /** Payments whose refunds are refused ({@link #REFUND_DECLINED}). */
    private final java.util.Set<String> refundsDeclined = ConcurrentHashMap.newKeySet();

    public TestPaymentProvider(StandardWebhooks webhooks, Clock clock) {
        this.webhooks = webhooks;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "test";
    }

    @Override
    public ProviderPayment authorize(AuthorizationRequest request) {
        String id = paymentIdsByKey.computeIfAbsent(request.idempotencyKey(), key -> {
            ProviderPayment payment = firstAuthorization(request);
            paymentsById.put(payment.id(), payment);
            if (REFUND_DECLINED.equals(request.paymentMethod())) {
                refundsDeclined.add(payment.id());
            }
            return payment.id();
        });
        return paymentsById.get(id);
    }

    private static ProviderPayment firstAuthorization(AuthorizationRequest request) {
        String id = "test_pay_" + UUID.randomUUID();
        Money zero = Money.zero(request.amount().currency());
        return switch (request.paymentMethod()) {
            case OK, REFUND_DECLINED -> new ProviderPayment(id, request.capture() ? ProviderPayment.Status.CAPTURED : ProviderPayment.Status.AUTHORIZED,
                    request.amount(), request.capture() ? request.amount() : zero, zero, null);
            case DECLINED -> new ProviderPayment(id, ProviderPayment.Status.DECLINED, zero, zero, zero, "card_declined");
            case INSUFFICIENT_FUNDS -> new ProviderPayment(id, ProviderPayment.Status.DECLINED, zero, zero, zero, "insufficient_funds");
            default -> throw new PaymentProviderException("invalid_payment_method",
                    "the test provider knows pm_card_ok, pm_card_declined, pm_card_insufficient_funds and pm_card_refund_declined", false, null);
        };
    }

    @Override
    public ProviderPayment capture(String providerPaymentId, Money amount, String idempotencyKey) {
        return (ProviderPayment) resultsByKey.computeIfAbsent(idempotencyKey, key -> update(providerPaymentId, payment -> {
            if (payment.status() != ProviderPayment.Status.AUTHORIZED) {
                throw refused("payment_not_authorized", "only an authorized payment can be captured");
            }
            if (amount.amount() > payment.authorized().amount()) {
                throw refused("amount_exceeds_authorization", "cannot capture more than was authorized");
            }
            return new ProviderPayment(payment.id(), ProviderPayment.Status.CAPTURED, payment.authorized(), amount,
                    payment.refunded(), null);
        }));
    }

    @Override
    public ProviderPayment voidAuthorization(String providerPaymentId, String idempotencyKey) {
        return (ProviderPayment) resultsByKey.computeIfAbsent(idempotencyKey, key -> update(providerPaymentId, payment -> {
            if (payment.status() != ProviderPayment.Status.AUTHORIZED) {
                throw refused("payment_not_authorized", "only an authorized payment can be voided");
            }
            return new ProviderPayment(payment.id(), ProviderPayment.Status.VOIDED, payment.authorized(),
                    payment.captured(), payment.refunded(), null);
        }));
    }

    @Override
    public ProviderRefund refund(String providerPaymentId, Money amount, String idempotencyKey) {
        if (refundsDeclined.contains(providerPaymentId)) { // refused every time, and never remembered as done
            throw refused("refund_declined", "the card of payment " + providerPaymentId + " takes no refunds");
        }
        return (ProviderRefund) resultsByKey.computeIfAbsent(idempotencyKey, key -> {
            ProviderPayment refunded = update(providerPaymentId, payment -> {
                if (payment.status() != ProviderPayment.Status.CAPTURED) {
                    throw refused("payment_not_captured", "only a captured payment can be refunded");
                }
                Money total = payment.refunded().plus(amount);
                if (amount.amount() <= 0 || total.amount() > payment.captured().amount()) {
                    throw refused("amount_exceeds_capture", "refunds cannot exceed what was captured");
                }
                return new ProviderPayment(payment.id(), payment.status(), payment.authorized(), payment.captured(), total, null);
            });
            return new ProviderRefund("test_ref_" + UUID.randomUUID(), refunded.id(), amount, ProviderRefund.Status.SUCCEEDED);
        });
    }

    @Override
    public Optional<ProviderPayment> findByIdempotencyKey(String idempotencyKey) {
        return Optional.ofNullable(paymentIdsByKey.get(idempotencyKey)).map(paymentsById::get);
    }

    @Override
    public ProviderEvent readWebhook(Map<String, List<String>> headers, byte[] body) throws InvalidWebhookException {
        return WebhookEvents.readSigned(webhooks, headers, body, clock.instant());
    }

    private ProviderPayment update(String providerPaymentId, java.util.function.UnaryOperator<ProviderPayment> change) {
        ProviderPayment updated = paymentsById.computeIfPresent(providerPaymentId, (id, payment) -> change.apply(payment));
        if (updated == null) {
            throw refused("unknown_payment", "no payment " + providerPaymentId);
        }
        return updated;
    }

    private static PaymentProviderException refused(String code, String message) {
        return new PaymentProviderException(code, message, false, null);
    }
}
