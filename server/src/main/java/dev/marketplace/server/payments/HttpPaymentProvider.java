package dev.marketplace.server.payments;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.outbound.OutboundException;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import io.helidon.config.Config;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.regex.Pattern;

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
    /** Code of every outcome-unknown failure that produced no readable answer. */
    static final String UNAVAILABLE = "provider_unavailable";
    /** Code of an answer the provider gave but that cannot be read as its API says: it may have acted. */
    static final String INVALID_RESPONSE = "provider_invalid_response";
    /** Code of a refusal whose body names no error code. */
    static final String REFUSED = "provider_refused";
    /** A decline without a reason from the provider (the name Stripe uses for the same case). */
    static final String GENERIC_DECLINE = "generic_decline";

    private static final Pattern ERROR_CODE = Pattern.compile("[a-z0-9_]{1,64}");
    private static final int PAYMENT_REQUIRED = 402;

    private final OutboundTarget target;
    private final URI payments;
    private final String authorization;
    private final StandardWebhooks webhooks;
    private final Clock clock;

    HttpPaymentProvider(Settings settings, OutboundTarget target, Clock clock) {
        this.target = target;
        this.payments = URI.create(settings.baseUrl().toString().replaceAll("/+$", "") + "/v1/payments");
        this.authorization = "Bearer " + settings.apiKey();
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
        return payment(send(post(payments, request.idempotencyKey(), body)), null, request.amount().currency());
    }

    @Override
    public ProviderPayment capture(String providerPaymentId, Money amount, String idempotencyKey) {
        return payment(send(post(paymentUri(providerPaymentId, "/capture"), idempotencyKey, money(amount))),
                providerPaymentId, amount.currency());
    }

    @Override
    public ProviderPayment voidAuthorization(String providerPaymentId, String idempotencyKey) {
        return payment(send(post(paymentUri(providerPaymentId, "/void"), idempotencyKey, JsonValue.EMPTY_JSON_OBJECT)),
                providerPaymentId, null);
    }

    @Override
    public ProviderRefund refund(String providerPaymentId, Money amount, String idempotencyKey) {
        HttpResponse<byte[]> response = send(post(paymentUri(providerPaymentId, "/refunds"), idempotencyKey, money(amount)));
        if (!isSuccess(response)) {
            throw refusal(response);
        }
        JsonObject refund = jsonObject(response);
        String currency = currency(refund, amount.currency());
        ProviderRefund read = new ProviderRefund(requiredString(refund, "id"), requiredString(refund, "paymentId"),
                money(refund, "amount", currency), refundStatus(requiredString(refund, "status")));
        if (!read.paymentId().equals(providerPaymentId)) {
            throw invalid("a refund of payment " + read.paymentId() + " where " + providerPaymentId + " was refunded");
        }
        return read;
    }

    @Override
    public Optional<ProviderPayment> findByIdempotencyKey(String idempotencyKey) {
        URI search = URI.create(payments + "?idempotencyKey=" + URLEncoder.encode(idempotencyKey, StandardCharsets.UTF_8));
        HttpResponse<byte[]> response = send(request(search).GET().build());
        if (!isSuccess(response)) {
            throw refusal(response);
        }
        JsonArray found = jsonObject(response).get("data") instanceof JsonArray data ? data : null;
        if (found == null || found.size() > 1) {
            throw invalid("a search by idempotency key answers {\"data\": [at most one payment]}");
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        if (!(found.getFirst() instanceof JsonObject payment)) {
            throw invalid("data holds something other than a payment");
        }
        return Optional.of(payment(payment, null));
    }

    @Override
    public ProviderEvent readWebhook(Map<String, List<String>> headers, byte[] body) throws InvalidWebhookException {
        return WebhookEvents.readSigned(webhooks, headers, body, clock.instant());
    }

    // ---- requests

    private URI paymentUri(String providerPaymentId, String action) {
        // Ids come from the provider; encoded so that none can change the path.
        return URI.create(payments + "/" + URLEncoder.encode(providerPaymentId, StandardCharsets.UTF_8).replace("+", "%20") + action);
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", authorization).header("Accept", "application/json");
    }

    /** A write; its Idempotency-Key is what allows the outbound layer to repeat it. */
    private HttpRequest post(URI uri, String idempotencyKey, JsonObject body) {
        return request(uri)
                .header("Idempotency-Key", idempotencyKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
    }

    private static JsonObject money(Money amount) {
        return JSON.createObjectBuilder().add("amount", amount.amount()).add("currency", amount.currency()).build();
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return target.send(request);
        } catch (OutboundException e) {
            // Including an open circuit or a full bulkhead, where nothing was sent this time: an earlier attempt of
            // the same call may have reached the provider, and "unknown" only costs a reconciliation.
            throw new PaymentProviderException(UNAVAILABLE, "the payment provider gave no answer: " + e.getMessage(), true, e);
        }
    }

    // ---- answers

    private static boolean isSuccess(HttpResponse<byte[]> response) {
        return response.statusCode() / 100 == 2;
    }

    /**
     * A payment from a 2xx, or from a 402 (declined). {@code expectedId} and {@code currency}, when known, must match
     * what the provider answers: anything else means the answer is not about this call.
     */
    private ProviderPayment payment(HttpResponse<byte[]> response, String expectedId, String currency) {
        if (!isSuccess(response) && response.statusCode() != PAYMENT_REQUIRED) {
            throw refusal(response);
        }
        ProviderPayment payment = payment(jsonObject(response), currency);
        if (response.statusCode() == PAYMENT_REQUIRED && payment.status() != ProviderPayment.Status.DECLINED) {
            throw invalid("402 with a payment that is " + payment.status());
        }
        if (expectedId != null && !payment.id().equals(expectedId)) {
            throw invalid("payment " + payment.id() + " where " + expectedId + " was asked for");
        }
        return payment;
    }

    private static ProviderPayment payment(JsonObject payment, String expectedCurrency) {
        String currency = currency(payment, expectedCurrency);
        ProviderPayment.Status status = paymentStatus(requiredString(payment, "status"));
        String declineCode = null;
        if (status == ProviderPayment.Status.DECLINED) {
            declineCode = payment.get("declineCode") instanceof JsonString code ? code.getString() : GENERIC_DECLINE;
        }
        return new ProviderPayment(requiredString(payment, "id"), status, money(payment, "authorized", currency),
                money(payment, "captured", currency), money(payment, "refunded", currency), declineCode);
    }

    /**
     * A 4xx is a refusal: the provider did nothing, and says why in {@code {"error": {"code", "message"}}}. Any other
     * status left here (1xx, a 3xx that is not a redirect) is not in its API: it may have acted.
     */
    private static PaymentProviderException refusal(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status / 100 != 4) {
            return invalid("answered " + status);
        }
        // A refusal is a refusal even when its body cannot be read (a proxy's error page): nothing happened.
        JsonObject error = readObject(response.body())
                .map(body -> body.get("error") instanceof JsonObject object ? object : null)
                .orElse(JsonValue.EMPTY_JSON_OBJECT);
        String code = error.get("code") instanceof JsonString given && ERROR_CODE.matcher(given.getString()).matches()
                ? given.getString() : REFUSED;
        String message = "the payment provider refused the request (" + status + ")"
                + (error.get("message") instanceof JsonString given ? ": " + given.getString() : "");
        return new PaymentProviderException(code, message, false, null);
    }

    private static JsonObject jsonObject(HttpResponse<byte[]> response) {
        return readObject(response.body()).orElseThrow(() -> invalid("the body is not a JSON object"));
    }

    private static Optional<JsonObject> readObject(byte[] body) {
        try (JsonReader reader = JSON.createReader(new ByteArrayInputStream(body))) {
            return Optional.of(reader.readObject());
        } catch (JsonException | IllegalStateException | NoSuchElementException e) {
            return Optional.empty();
        }
    }

    /** The answer's currency, which must be the one asked for when the call named one: amounts never change currency. */
    private static String currency(JsonObject object, String expected) {
        String currency = requiredString(object, "currency");
        if (!Money.isCurrencyCode(currency)) {
            throw invalid("currency " + currency + " is not an ISO 4217 code");
        }
        if (expected != null && !currency.equals(expected)) {
            throw invalid("amounts in " + currency + " where " + expected + " was asked for");
        }
        return currency;
    }

    private static String requiredString(JsonObject object, String name) {
        if (object.get(name) instanceof JsonString value && !value.getString().isBlank()) {
            return value.getString();
        }
        throw invalid(name + " is not a non-empty string");
    }

    /** An amount in minor units: a non-negative integer. */
    private static Money money(JsonObject object, String name, String currency) {
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
        throw invalid(name + " is not a whole, non-negative number of minor units");
    }

    private static ProviderPayment.Status paymentStatus(String wireName) {
        return switch (wireName) {
            case "pending" -> ProviderPayment.Status.PENDING;
            case "authorized" -> ProviderPayment.Status.AUTHORIZED;
            case "captured" -> ProviderPayment.Status.CAPTURED;
            case "declined" -> ProviderPayment.Status.DECLINED;
            case "voided" -> ProviderPayment.Status.VOIDED;
            default -> throw invalid("unknown payment status " + wireName);
        };
    }

    private static ProviderRefund.Status refundStatus(String wireName) {
        return switch (wireName) {
            case "pending" -> ProviderRefund.Status.PENDING;
            case "succeeded" -> ProviderRefund.Status.SUCCEEDED;
            case "failed" -> ProviderRefund.Status.FAILED;
            default -> throw invalid("unknown refund status " + wireName);
        };
    }

    private static PaymentProviderException invalid(String why) {
        return new PaymentProviderException(INVALID_RESPONSE, "the payment provider's answer cannot be read: " + why, true, null);
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
            String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || baseUrl.getHost() == null
                    || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
                throw new IllegalArgumentException("payments.http.base.url must be an http(s) URL without query, not " + baseUrl);
            }
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
            return node.get(key).asString().filter(value -> !value.isBlank())
                    .orElseThrow(() -> new IllegalArgumentException(node.get(key).key() + " is required by the http payment provider"));
        }

        /** Without the secrets, which must not reach a log. */
        @Override
        public String toString() {
            return "Settings[baseUrl=" + baseUrl + ", apiKey=***, webhookSecret=***]";
        }
    }
}
