package dev.marketplace.server.platform.outbound;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.money.Money;
import io.helidon.config.Config;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
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
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The JSON REST dialect our money providers speak (payments, decision 18; payouts, decision 32), through one outbound
 * target: a bearer API key, a collection such as {@code /v1/payments}, writes that carry the caller's
 * {@code Idempotency-Key} (so the outbound layer may repeat them and the provider still acts once), a search by that
 * key answering {@code {"data": [at most one]}}, and refusals as {@code {"error": {"code", "message"}}}.
 *
 * <p>Failures are the port's own exceptions, made by {@link Failure}: no answer (also an open circuit) is
 * {@value #UNAVAILABLE} and an answer that cannot be read {@value #INVALID_RESPONSE}, both with the outcome unknown;
 * a 4xx is a refusal (nothing happened) with the provider's code, or {@value #REFUSED}.
 *
 * @param <E> the port's exception
 */
public final class JsonProviderClient<E extends RuntimeException> {

    /** Code of every outcome-unknown failure that produced no readable answer. */
    public static final String UNAVAILABLE = "provider_unavailable";
    /** Code of an answer the provider gave but that cannot be read as its API says: it may have acted. */
    public static final String INVALID_RESPONSE = "provider_invalid_response";
    /** Code of a refusal whose body names no error code. */
    public static final String REFUSED = "provider_refused";
    /** What a provider's error (or decline) code may look like before it is passed on. */
    public static final Pattern ERROR_CODE = Pattern.compile("[a-z0-9_]{1,64}");

    /** How a port names a failure: its exception type, carrying the code and whether the outcome is unknown. */
    @FunctionalInterface
    public interface Failure<E extends RuntimeException> {
        E of(String code, String message, boolean outcomeUnknown, Throwable cause);
    }

    private final OutboundTarget target;
    private final URI collection;
    private final String authorization;
    private final String provider;
    private final Failure<E> failure;

    /**
     * @param collectionPath appended to {@code baseUrl} (trailing slashes dropped), such as {@code /v1/payouts}
     * @param provider       how messages name the provider ("the payout provider")
     */
    public JsonProviderClient(OutboundTarget target, URI baseUrl, String collectionPath, String apiKey, String provider,
                              Failure<E> failure) {
        this.target = target;
        this.collection = URI.create(baseUrl.toString().replaceAll("/+$", "") + collectionPath);
        this.authorization = "Bearer " + apiKey;
        this.provider = provider;
        this.failure = failure;
    }

    // ---- requests

    public URI collection() {
        return collection;
    }

    /** {@code <collection>/<id><action>}; ids come from the provider, encoded so that none can change the path. */
    public URI member(String id, String action) {
        return URI.create(collection + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + action);
    }

    /** A write; its Idempotency-Key is what allows the outbound layer to repeat it. */
    public HttpResponse<byte[]> post(URI uri, String idempotencyKey, JsonObject body) {
        return send(request(uri)
                .header("Idempotency-Key", idempotencyKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build());
    }

    /**
     * The one object the provider holds under this idempotency key, if any ({@code noun} names it in messages).
     * Anything but a 2xx is a {@link #refusal}.
     */
    public Optional<JsonObject> findByIdempotencyKey(String idempotencyKey, String noun) {
        URI search = URI.create(collection + "?idempotencyKey=" + URLEncoder.encode(idempotencyKey, StandardCharsets.UTF_8));
        HttpResponse<byte[]> response = send(request(search).GET().build());
        if (!isSuccess(response)) {
            throw refusal(response);
        }
        JsonArray found = object(response).get("data") instanceof JsonArray data ? data : null;
        if (found == null || found.size() > 1) {
            throw invalid("a search by idempotency key answers {\"data\": [at most one " + noun + "]}");
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        if (!(found.getFirst() instanceof JsonObject object)) {
            throw invalid("data holds something other than a " + noun);
        }
        return Optional.of(object);
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", authorization).header("Accept", "application/json");
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return target.send(request);
        } catch (OutboundException e) {
            // Including an open circuit or a full bulkhead, where nothing was sent this time: an earlier attempt of
            // the same call may have reached the provider, and "unknown" only costs a reconciliation.
            throw failure.of(UNAVAILABLE, provider + " gave no answer: " + e.getMessage(), true, e);
        }
    }

    // ---- answers

    public static boolean isSuccess(HttpResponse<byte[]> response) {
        return response.statusCode() / 100 == 2;
    }

    /**
     * A 4xx is a refusal: the provider did nothing, and says why in {@code {"error": {"code", "message"}}}. Any other
     * status left here (1xx, a 3xx that is not a redirect) is not in its API: it may have acted.
     */
    public E refusal(HttpResponse<byte[]> response) {
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
        String message = provider + " refused the request (" + status + ")"
                + (error.get("message") instanceof JsonString given ? ": " + given.getString() : "");
        return failure.of(code, message, false, null);
    }

    /** The answer's body, which must be a JSON object. */
    public JsonObject object(HttpResponse<byte[]> response) {
        return readObject(response.body()).orElseThrow(() -> invalid("the body is not a JSON object"));
    }

    private static Optional<JsonObject> readObject(byte[] body) {
        try (JsonReader reader = JSON.createReader(new ByteArrayInputStream(body))) {
            return Optional.of(reader.readObject());
        } catch (JsonException | IllegalStateException | NoSuchElementException e) {
            return Optional.empty();
        }
    }

    public String requiredString(JsonObject object, String name) {
        if (object.get(name) instanceof JsonString value && !value.getString().isBlank()) {
            return value.getString();
        }
        throw invalid(name + " is not a non-empty string");
    }

    /** The answer's currency, which must be the one asked for when the call named one: amounts never change currency. */
    public String currency(JsonObject object, String expected) {
        String currency = requiredString(object, "currency");
        if (!Money.isCurrencyCode(currency)) {
            throw invalid("currency " + currency + " is not an ISO 4217 code");
        }
        if (expected != null && !currency.equals(expected)) {
            throw invalid("amounts in " + currency + " where " + expected + " was asked for");
        }
        return currency;
    }

    /** An answer that cannot be read as the provider's API says: it may have acted, so the outcome is unknown. */
    public E invalid(String why) {
        return failure.of(INVALID_RESPONSE, provider + "'s answer cannot be read: " + why, true, null);
    }

    // ---- settings

    /** The provider's API root: an http(s) URL without query or fragment ({@code key} names it in the error). */
    public static URI baseUrl(URI baseUrl, String key) {
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || baseUrl.getHost() == null
                || baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException(key + " must be an http(s) URL without query, not " + baseUrl);
        }
        return baseUrl;
    }

    /** A setting that must be present and not blank. */
    public static String required(Config node, String key, String requiredBy) {
        return node.get(key).asString().filter(value -> !value.isBlank())
                .orElseThrow(() -> new IllegalArgumentException(node.get(key).key() + " is required by " + requiredBy));
    }
}
