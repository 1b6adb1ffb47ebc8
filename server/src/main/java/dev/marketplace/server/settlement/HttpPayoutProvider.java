package dev.marketplace.server.settlement;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.outbound.OutboundException;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import io.helidon.config.Config;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The payout-provider port spoken to an external provider's REST API through the outbound target {@value #TARGET}
 * ({@code outbound.targets.payouts.*}); the API and how its answers map to outcomes are in
 * docs/decisions/0032-payouts-statements.md, in the shape of the payment provider's (decision 18).
 *
 * <p>The payout carries the caller's {@code Idempotency-Key}, so the outbound layer may repeat it after a timeout or
 * a 5xx and the provider still pays once. No answer, 5xx, 409 (the same key still in progress), an open circuit or an
 * answer that cannot be read is a {@link PayoutProviderException} with {@code outcomeUnknown}; another 4xx is a
 * refusal (nothing paid); a 402 with a failed payout, or a payout answered {@code failed}, is a decline.
 */
public final class HttpPayoutProvider implements PayoutProvider {

    /** The outbound target's name: a configuration key ({@code outbound.targets.payouts}) and a metric tag. */
    public static final String TARGET = "payouts";
    static final String UNAVAILABLE = "provider_unavailable";
    static final String INVALID_RESPONSE = "provider_invalid_response";
    static final String REFUSED = "provider_refused";
    /** A decline without a reason from the provider. */
    static final String GENERIC_FAILURE = "payout_failed";

    private static final Pattern ERROR_CODE = Pattern.compile("[a-z0-9_]{1,64}");
    private static final int PAYMENT_REQUIRED = 402;
    private static final int CONFLICT = 409;

    private final OutboundTarget target;
    private final URI payouts;
    private final String authorization;

    HttpPayoutProvider(Settings settings, OutboundTarget target) {
        this.target = target;
        this.payouts = URI.create(settings.baseUrl().toString().replaceAll("/+$", "") + "/v1/payouts");
        this.authorization = "Bearer " + settings.apiKey();
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
        HttpResponse<byte[]> response = send(request(payouts)
                .header("Idempotency-Key", request.idempotencyKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build());
        int status = response.statusCode();
        if (status / 100 != 2 && status != PAYMENT_REQUIRED) {
            throw refusal(response);
        }
        ProviderPayout payout = payout(jsonObject(response), request.amount());
        if (status == PAYMENT_REQUIRED && payout.status() != ProviderPayout.Status.FAILED) {
            throw invalid("402 with a payout that is " + payout.status());
        }
        return payout;
    }

    @Override
    public Optional<ProviderPayout> findByIdempotencyKey(String idempotencyKey) {
        URI search = URI.create(payouts + "?idempotencyKey=" + URLEncoder.encode(idempotencyKey, StandardCharsets.UTF_8));
        HttpResponse<byte[]> response = send(request(search).GET().build());
        if (response.statusCode() / 100 != 2) {
            throw refusal(response);
        }
        JsonArray found = jsonObject(response).get("data") instanceof JsonArray data ? data : null;
        if (found == null || found.size() > 1) {
            throw invalid("a search by idempotency key answers {\"data\": [at most one payout]}");
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        if (!(found.getFirst() instanceof JsonObject payout)) {
            throw invalid("data holds something other than a payout");
        }
        return Optional.of(payout(payout, null));
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", authorization).header("Accept", "application/json");
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return target.send(request);
        } catch (OutboundException e) {
            // Also an open circuit, where nothing was sent this time: an earlier attempt may have reached the provider.
            throw new PayoutProviderException(UNAVAILABLE, "the payout provider gave no answer: " + e.getMessage(), true, e);
        }
    }

    /** A payout; when {@code expected} is given, its amount and currency must be the ones asked for. */
    private static ProviderPayout payout(JsonObject payout, Money expected) {
        String currency = requiredString(payout, "currency");
        if (!Money.isCurrencyCode(currency)) {
            throw invalid("currency " + currency + " is not an ISO 4217 code");
        }
        if (!(payout.get("amount") instanceof JsonNumber amount) || !amount.isIntegral() || amount.bigIntegerValue().signum() <= 0) {
            throw invalid("amount is not a whole, positive number of minor units");
        }
        if (expected != null && (!currency.equals(expected.currency())
                || !amount.bigIntegerValue().equals(BigInteger.valueOf(expected.amount())))) {
            throw invalid("a payout of " + amount + " " + currency + " where " + expected + " was asked for");
        }
        ProviderPayout.Status status = switch (requiredString(payout, "status")) {
            case "pending" -> ProviderPayout.Status.PENDING;
            case "paid" -> ProviderPayout.Status.PAID;
            case "failed" -> ProviderPayout.Status.FAILED;
            default -> throw invalid("unknown payout status " + payout.get("status"));
        };
        String failureCode = null;
        if (status == ProviderPayout.Status.FAILED) {
            failureCode = payout.get("failureCode") instanceof JsonString code && ERROR_CODE.matcher(code.getString()).matches()
                    ? code.getString() : GENERIC_FAILURE;
        }
        return new ProviderPayout(requiredString(payout, "id"), status, failureCode);
    }

    /**
     * A 4xx other than 409 is a refusal: nothing was paid; {@code {"error": {"code", "message"}}} says why. A 409 (the
     * same key still being worked on) and any status outside 2xx/4xx leave the outcome unknown.
     */
    private static PayoutProviderException refusal(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status / 100 != 4) {
            return invalid("answered " + status);
        }
        if (status == CONFLICT) {
            return new PayoutProviderException(UNAVAILABLE, "the payout provider is still working on this key", true, null);
        }
        JsonObject error = readObject(response.body())
                .map(body -> body.get("error") instanceof JsonObject object ? object : null)
                .orElse(JsonValue.EMPTY_JSON_OBJECT);
        String code = error.get("code") instanceof JsonString given && ERROR_CODE.matcher(given.getString()).matches()
                ? given.getString() : REFUSED;
        return new PayoutProviderException(code, "the payout provider refused the payout (" + status + ")", false, null);
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

    private static String requiredString(JsonObject object, String name) {
        if (object.get(name) instanceof JsonString value && !value.getString().isBlank()) {
            return value.getString();
        }
        throw invalid(name + " is not a non-empty string");
    }

    private static PayoutProviderException invalid(String why) {
        return new PayoutProviderException(INVALID_RESPONSE, "the payout provider's answer cannot be read: " + why, true, null);
    }

    /**
     * The {@code settlement.payouts.http} settings.
     *
     * @param baseUrl the provider's API root, http(s); {@code /v1/payouts} is appended ({@code base.url})
     * @param apiKey  sent as {@code Authorization: Bearer <key>} ({@code api.key})
     */
    public record Settings(URI baseUrl, String apiKey) {

        public Settings {
            String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || baseUrl.getHost() == null
                    || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
                throw new IllegalArgumentException("settlement.payouts.http.base.url must be an http(s) URL without query, not " + baseUrl);
            }
            if (apiKey.isBlank()) {
                throw new IllegalArgumentException("settlement.payouts.http.api.key must not be empty");
            }
        }

        public static Settings from(Config http) {
            return new Settings(URI.create(required(http, "base.url")), required(http, "api.key"));
        }

        private static String required(Config node, String key) {
            return node.get(key).asString().filter(value -> !value.isBlank())
                    .orElseThrow(() -> new IllegalArgumentException(node.get(key).key() + " is required by the http payout provider"));
        }

        /** Without the key, which must not reach a log. */
        @Override
        public String toString() {
            return "Settings[baseUrl=" + baseUrl + ", apiKey=***]";
        }
    }
}
