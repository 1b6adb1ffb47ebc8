package dev.marketplace.server.payments;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.outbound.JsonProviderClient;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import io.helidon.config.Config;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The payment-provider port spoken to an external provider's REST API, through the outbound target {@value #TARGET}
 * (its timeout, retries, circuit breaker and bulkhead are {@code outbound.targets.payments.*}). The API, its
 * answers and how they map to outcomes are in docs/decisions/0018-http-payment-provider.md.
 *
 * <p>Every write carries the caller's {@code Idempotency-Key}, so the outbound layer may repeat it after a timeout
 * or a 5xx and the provider still acts once. Whatever leaves the provider's decision unknown — no answer, 5xx, open
 * circuit, an answer that cannot be read — is a {@link PaymentProviderException} with {@code outcomeUnknown}; a 4xx
 * is a refusal (nothing happened) carrying the provider's error code; a decline is an outcome.
 */
public final class HttpPaymentProvider implements PaymentProvider {

    /** The outbound target's name: a configuration key ({@code outbound.targets.payments}) and a metric tag. */
    public static final String TARGET = "payments";
    /** How far a webhook's timestamp may be from now: the Standard Webhooks recommendation against replays. */
    static final Duration WEBHOOK_TOLERANCE = Duration.ofMinutes(5);
    static final String UNAVAILABLE = JsonProviderClient.UNAVAILABLE;
    static final String INVALID_RESPONSE = JsonProviderClient.INVALID_RESPONSE;
    static final String REFUSED = JsonProviderClient.REFUSED;
    /** A decline without a reason from the provider (the name Stripe uses for the same case). */
    static final String GENERIC_DECLINE = "generic_decline";

    private static final int PAYMENT_REQUIRED = 402;

    private final JsonProviderClient<PaymentProviderException> api;
    private final StandardWebhooks webhooks;
    private final Clock clock;

    HttpPaymentProvider(Settings settings, OutboundTarget target, Clock clock) {
        this.api = new JsonProviderClient<>(target, settings.baseUrl(), "/v1/payments", settings.apiKey(),
                "the payment provider", PaymentProviderException::new);
        this.webhooks = new StandardWebhooks(settings.webhookSecret(), WEBHOOK_TOLERANCE);
        this.clock = clock;
    }

    /**
     * From the {@code payments.http} configuration node ({@link Settings#from}); calls go through {@code outbound}'s
     * target {@value #TARGET}.
     *
     * @throws IllegalArgumentException when a setting is missing or invalid
     */
    public static HttpPaymentProvider create(Config paymentsHttpConfig, OutboundHttp outbound, Clock clock) {
        return new HttpPaymentProvider(Settings.from(paymentsHttpConfig), outbound.target(TARGET), clock);
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public ProviderPayment authorize(AuthorizationRequest request) {
        JsonObject body = JSON.createObjectBuilder()
                .add("amount", request.amount().amount())
                .add("currency", request.amount().currency())
                .add("paymentMethod", request.paymentMethod())
                .add("reference", request.reference())
                .add("capture", request.capture())
                .build();
        return payment(api.post(api.collection(), request.idempotencyKey(), body), null, request.amount().currency());
    }

    @Override
    public ProviderPayment capture(String providerPaymentId, Money amount, String idempotencyKey) {
        return payment(api.post(api.member(providerPaymentId, "/capture"), idempotencyKey, money(amount)),
                providerPaymentId, amount.currency());
    }

    @Override
    public ProviderPayment voidAuthorization(String providerPaymentId, String idempotencyKey) {
        return payment(api.post(api.member(providerPaymentId, "/void"), idempotencyKey, JsonValue.EMPTY_JSON_OBJECT),
                providerPaymentId, null);
    }

    @Override
    public ProviderRefund refund(String providerPaymentId, Money amount, String idempotencyKey) {
        HttpResponse<byte[]> response = api.post(api.member(providerPaymentId, "/refunds"), idempotencyKey,
                money(amount));
        if (!JsonProviderClient.isSuccess(response)) {
            throw api.refusal(response);
        }
        JsonObject refund = api.object(response);
        String currency = api.currency(refund, amount.currency());
        ProviderRefund read = new ProviderRefund(api.requiredString(refund, "id"), api.requiredString(refund, "paymentId"),
                money(refund, "amount", currency), refundStatus(api.requiredString(refund, "status")));
        if (!read.paymentId().equals(providerPaymentId)) {
            throw api.invalid("a refund of payment " + read.paymentId() + " where " + providerPaymentId + " was refunded");
        }
        return read;
    }

    @Override
    public Optional<ProviderPayment> findByIdempotencyKey(String idempotencyKey) {
        return api.findByIdempotencyKey(idempotencyKey, "payment").map(payment -> payment(payment, null));
    }

    @Override
    public ProviderEvent readWebhook(Map<String, List<String>> headers, byte[] body) throws InvalidWebhookException {
        return WebhookEvents.readSigned(webhooks, headers, body, clock.instant());
    }

    // ---- requests

    private static JsonObject money(Money amount) {
        return JSON.createObjectBuilder().add("amount", amount.amount()).add("currency", amount.currency()).build();
    }

    // ---- answers

    /**
     * A payment from a 2xx, or from a 402 (declined). {@code expectedId} and {@code currency}, when known, must match
     * what the provider answers: anything else means the answer is not about this call.
     */
    private ProviderPayment payment(HttpResponse<byte[]> response, String expectedId, String currency) {
        if (!JsonProviderClient.isSuccess(response) && response.statusCode() != PAYMENT_REQUIRED) {
            throw api.refusal(response);
        }
        ProviderPayment payment = payment(api.object(response), currency);
        if (response.statusCode() == PAYMENT_REQUIRED && payment.status() != ProviderPayment.Status.DECLINED) {
            throw api.invalid("402 with a payment that is " + payment.status());
        }
        if (expectedId != null && !payment.id().equals(expectedId)) {
            throw api.invalid("payment " + payment.id() + " where " + expectedId + " was asked for");
        }
        return payment;
    }

    private ProviderPayment payment(JsonObject payment, String expectedCurrency) {
        String currency = api.currency(payment, expectedCurrency);
        ProviderPayment.Status status = paymentStatus(api.requiredString(payment, "status"));
        String declineCode = null;
        if (status == ProviderPayment.Status.DECLINED) {
            declineCode = payment.get("declineCode") instanceof JsonString code ? code.getString() : GENERIC_DECLINE;
        }
        return new ProviderPayment(api.requiredString(payment, "id"), status, money(payment, "authorized", currency),
                money(payment, "captured", currency), money(payment, "refunded", currency), declineCode);
    }

    /** An amount in minor units: a non-negative integer. */
    private Money money(JsonObject object, String name, String currency) {
        if (object.get(name) instanceof JsonNumber number && number.isIntegral()) {
            try {
                long minorUnits = number.longValueExact();
                if (minorUnits >= 0) {
                    return Money.of(minorUnits, currency);
                }
            } catch (ArithmeticException e) {
                // beyond a long: reported below like any other unusable amount
            }
        }
        throw api.invalid(name + " is not a whole, non-negative number of minor units");
    }

    private ProviderPayment.Status paymentStatus(String wireName) {
        return switch (wireName) {
            case "pending" -> ProviderPayment.Status.PENDING;
            case "authorized" -> ProviderPayment.Status.AUTHORIZED;
            case "captured" -> ProviderPayment.Status.CAPTURED;
            case "declined" -> ProviderPayment.Status.DECLINED;
            case "voided" -> ProviderPayment.Status.VOIDED;
            default -> throw api.invalid("unknown payment status " + wireName);
        };
    }

    private ProviderRefund.Status refundStatus(String wireName) {
        return switch (wireName) {
            case "pending" -> ProviderRefund.Status.PENDING;
            case "succeeded" -> ProviderRefund.Status.SUCCEEDED;
            case "failed" -> ProviderRefund.Status.FAILED;
            default -> throw api.invalid("unknown refund status " + wireName);
        };
    }

    /**
     * The {@code payments.http} settings.
     *
     * @param baseUrl       the provider's API root, http(s); paths {@code /v1/payments…} are appended ({@code base.url})
     * @param apiKey        sent as {@code Authorization: Bearer <key>} ({@code api.key})
     * @param webhookSecret the Standard Webhooks secret ({@code whsec_<base64>}) the provider signs webhooks with
     *                      ({@code webhook.secret})
     */
    public record Settings(URI baseUrl, String apiKey, String webhookSecret) {

        public Settings {
            JsonProviderClient.baseUrl(baseUrl, "payments.http.base.url");
            if (apiKey.isBlank() || webhookSecret.isBlank()) {
                throw new IllegalArgumentException("payments.http.api.key and payments.http.webhook.secret must not be empty");
            }
        }

        /** From the {@code payments.http} node; every key is required. */
        public static Settings from(Config paymentsHttp) {
            return new Settings(URI.create(required(paymentsHttp, "base.url")), required(paymentsHttp, "api.key"),
                    required(paymentsHttp, "webhook.secret"));
        }

        private static String required(Config node, String key) {
            return JsonProviderClient.required(node, key, "the http payment provider");
        }

        /** Without the secrets, which must not reach a log. */
        @Override
        public String toString() {
            return "Settings[baseUrl=" + baseUrl + ", apiKey=***, webhookSecret=***]";
        }
    }
}
