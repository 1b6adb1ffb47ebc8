package dev.marketplace.server.settlement;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.outbound.JsonProviderClient;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import io.helidon.config.Config;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * The payout-provider port spoken to an external provider's REST API through the outbound target {@value #TARGET}
 * ({@code outbound.targets.payouts.*}); the API and how its answers map to outcomes are in
 * docs/decisions/0032-payouts-statements.md, in the shape of the payment provider's (decision 18).
 *
 * <p>The payout carries the caller's {@code Idempotency-Key}, so the outbound layer may repeat it after a timeout or
 * a 5xx and the provider still pays once. No answer, 5xx, 409 (the same key still in progress), an open circuit or an
 * answer that cannot be read is a {@link PayoutProviderException} with {@code outcomeUnknown}; another 4xx is a
 * refusal (nothing paid); a 402 with a failed payout, or a payout answered {@code failed}, is a decline. The dialect
 * is the payment provider's, spoken through the same {@link JsonProviderClient}.
 */
public final class HttpPayoutProvider implements PayoutProvider {

    /** The outbound target's name: a configuration key ({@code outbound.targets.payouts}) and a metric tag. */
    public static final String TARGET = "payouts";
    static final String UNAVAILABLE = JsonProviderClient.UNAVAILABLE;
    static final String INVALID_RESPONSE = JsonProviderClient.INVALID_RESPONSE;
    /** A decline without a reason from the provider. */
    static final String GENERIC_FAILURE = "payout_failed";

    private static final int PAYMENT_REQUIRED = 402;
    private static final int CONFLICT = 409;

    private final JsonProviderClient<PayoutProviderException> api;

    HttpPayoutProvider(Settings settings, OutboundTarget target) {
        this.api = new JsonProviderClient<>(target, settings.baseUrl(), "/v1/payouts", settings.apiKey(),
                "the payout provider", PayoutProviderException::new);
    }

    /**
     * From the {@code settlement.payouts.http} configuration node; calls go through {@code outbound}'s target
     * {@value #TARGET}.
     *
     * @throws IllegalArgumentException when a setting is missing or invalid
     */
    public static HttpPayoutProvider create(Config httpConfig, OutboundHttp outbound) {
        return new HttpPayoutProvider(Settings.from(httpConfig), outbound.target(TARGET));
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public ProviderPayout pay(PayoutRequest request) {
        JsonObject body = JSON.createObjectBuilder()
                .add("amount", request.amount().amount())
                .add("currency", request.amount().currency())
                .add("beneficiary", request.payeeId().toString())
                .add("reference", request.reference())
                .build();
        HttpResponse<byte[]> response = api.post(api.collection(), request.idempotencyKey(), body);
        int status = response.statusCode();
        if (!JsonProviderClient.isSuccess(response) && status != PAYMENT_REQUIRED) {
            throw refusal(response);
        }
        ProviderPayout payout = payout(api.object(response), request.amount());
        if (status == PAYMENT_REQUIRED && payout.status() != ProviderPayout.Status.FAILED) {
            throw api.invalid("402 with a payout that is " + payout.status());
        }
        return payout;
    }

    @Override
    public Optional<ProviderPayout> findByIdempotencyKey(String idempotencyKey) {
        return api.findByIdempotencyKey(idempotencyKey, "payout").map(payout -> payout(payout, null));
    }

    /** A payout; when {@code expected} is given, its amount and currency must be the ones asked for. */
    private ProviderPayout payout(JsonObject payout, Money expected) {
        String currency = api.currency(payout, null);
        if (!(payout.get("amount") instanceof JsonNumber amount) || !amount.isIntegral() || amount.bigIntegerValue().signum() <= 0) {
            throw api.invalid("amount is not a whole, positive number of minor units");
        }
        if (expected != null && (!currency.equals(expected.currency())
                || !amount.bigIntegerValue().equals(BigInteger.valueOf(expected.amount())))) {
            throw api.invalid("a payout of " + amount + " " + currency + " where " + expected + " was asked for");
        }
        ProviderPayout.Status status = switch (api.requiredString(payout, "status")) {
            case "pending" -> ProviderPayout.Status.PENDING;
            case "paid" -> ProviderPayout.Status.PAID;
            case "failed" -> ProviderPayout.Status.FAILED;
            default -> throw api.invalid("unknown payout status " + payout.get("status"));
        };
        String failureCode = null;
        if (status == ProviderPayout.Status.FAILED) {
            failureCode = payout.get("failureCode") instanceof JsonString code
                    && JsonProviderClient.ERROR_CODE.matcher(code.getString()).matches() ? code.getString() : GENERIC_FAILURE;
        }
        return new ProviderPayout(api.requiredString(payout, "id"), status, failureCode);
    }

    /**
     * A 409 (the same key still being worked on) leaves the outcome unknown; any other answer is the provider's
     * {@link JsonProviderClient#refusal}: a 4xx means nothing was paid.
     */
    private PayoutProviderException refusal(HttpResponse<byte[]> response) {
        if (response.statusCode() == CONFLICT) {
            return new PayoutProviderException(UNAVAILABLE, "the payout provider is still working on this key", true, null);
        }
        return api.refusal(response);
    }

    /**
     * The {@code settlement.payouts.http} settings.
     *
     * @param baseUrl the provider's API root, http(s); {@code /v1/payouts} is appended ({@code base.url})
     * @param apiKey  sent as {@code Authorization: Bearer <key>} ({@code api.key})
     */
    public record Settings(URI baseUrl, String apiKey) {

        public Settings {
            JsonProviderClient.baseUrl(baseUrl, "settlement.payouts.http.base.url");
            if (apiKey.isBlank()) {
                throw new IllegalArgumentException("settlement.payouts.http.api.key must not be empty");
            }
        }

        public static Settings from(Config http) {
            return new Settings(URI.create(required(http, "base.url")), required(http, "api.key"));
        }

        private static String required(Config node, String key) {
            return JsonProviderClient.required(node, key, "the http payout provider");
        }

        /** Without the key, which must not reach a log. */
        @Override
        public String toString() {
            return "Settings[baseUrl=" + baseUrl + ", apiKey=***]";
        }
    }
}
