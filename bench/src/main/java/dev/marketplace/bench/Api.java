package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/** Set-up calls as an integrator makes them: client credentials, JSON over HTTPS-less localhost. */
final class Api {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How often a set-up call answered 503 is sent again, and the longest wait between two sends. */
    private static final int UNAVAILABLE_RETRIES = 30;
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofSeconds(10);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final boolean retryUnavailable;

    Api(URI base) {
        this(base, false);
    }

    private Api(URI base, boolean retryUnavailable) {
        this.base = base;
        this.retryUnavailable = retryUnavailable;
    }

    /**
     * The same API for set-up only (signing customers up, before anything is measured): a 503 (the concurrency limit
     * shedding, or the pool timing out, on a loaded machine), or a 409 saying the first attempt is still running, is
     * sent again after its {@code Retry-After} (1 s when absent, at most 10 s), up to 30 times, as an integrator's
     * client does. The same request is resent, so its
     * {@code Idempotency-Key} too. Measured calls never use it: a 503 there is a failure to count.
     */
    Api retryingWhenUnavailable() {
        return new Api(base, true);
    }

    URI base() {
        return base;
    }

    /** Client credentials, HTTP Basic (RFC 6749 section 4.4). */
    String token(Credentials client) {
        String basic = Base64.getEncoder().encodeToString(
                (client.id() + ":" + client.secret()).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/oauth2/token"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
        return send(request, 200).get("access_token").asText();
    }

    record Credentials(String id, String secret) {
    }

    /** A new client for {@code principalType} (the operator creates it), with these scopes. */
    Credentials createClient(String operatorToken, String name, String principalType, UUID principalId, List<String> scopes) {
        var body = JSON.createObjectNode().put("name", name).put("principalType", principalType);
        if (principalId != null) {
            body.put("principalId", principalId.toString());
        }
        body.putArray("scopes").addAll(scopes.stream().map(JSON.getNodeFactory()::textNode).toList());
        JsonNode created = post(operatorToken, "/v1/clients", body.toString(), 201);
        return new Credentials(created.get("client").get("clientId").asText(), created.get("clientSecret").asText());
    }

    /** Registers a storefront ({@code POST /v1/storefronts}) and creates a client for it: its principal must exist. */
    Credentials createStorefrontClient(String operatorToken, String name, List<String> scopes) {
        JsonNode storefront = post(operatorToken, "/v1/storefronts", JSON.createObjectNode().put("name", name).toString(), 201);
        return createClient(operatorToken, name, "storefront", UUID.fromString(storefront.get("id").asText()), scopes);
    }

    JsonNode get(String token, String pathAndQuery) {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Authorization", "Bearer " + token)
                .GET().build(), 200);
    }

    JsonNode post(String token, String path, String json, int expectedStatus) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), expectedStatus);
    }

    JsonNode put(String token, String path, String json, int expectedStatus) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), expectedStatus);
    }

    /** Sends as is and returns whatever came back: for the hosted sign-in pages and for refusals that are counted. */
    HttpResponse<String> exchange(HttpRequest request) {
        try {
            return sendRetrying(request, HttpResponse.BodyHandlers.ofString(), body -> body);
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String encode(String queryValue) {
        return URLEncoder.encode(queryValue, StandardCharsets.UTF_8);
    }

    /** Sends once, or (set-up) again after each 503's {@code Retry-After}. */
    private <T> HttpResponse<T> sendRetrying(HttpRequest request, HttpResponse.BodyHandler<T> bodies,
                                             Function<T, String> text) throws IOException, InterruptedException {
        HttpResponse<T> response = http.send(request, bodies);
        for (int retry = 0; retryUnavailable && retryable(response, text) && retry < UNAVAILABLE_RETRIES; retry++) {
            Duration wait = response.headers().firstValue("Retry-After").flatMap(Api::seconds)
                    .map(Duration::ofSeconds).orElse(Duration.ofSeconds(1));
            Thread.sleep(wait.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : wait); // the server's advice
            response = http.send(request, bodies);
        }
        return response;
    }

    /**
     * A 503, or the resend of a request whose first attempt is still running on the server (409
     * {@code idempotency_request_in_progress}: a 503 can be answered before the attempt behind it has ended).
     */
    private static <T> boolean retryable(HttpResponse<T> response, Function<T, String> text) {
        return response.statusCode() == 503 || response.statusCode() == 409
                && text.apply(response.body()).contains("\"idempotency_request_in_progress\"");
    }

    private static java.util.Optional<Long> seconds(String retryAfter) {
        try {
            return java.util.Optional.of(Math.max(0, Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty(); // an HTTP date: the default wait
        }
    }

    private JsonNode send(HttpRequest request, int expectedStatus) {
        try {
            // Parsed from the bytes as they came: decoding a feed page into a String first cost the reader two fifths
            // more (decision 112).
            HttpResponse<byte[]> response = sendRetrying(request, HttpResponse.BodyHandlers.ofByteArray(), Api::text);
            if (response.statusCode() != expectedStatus) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                        + response.statusCode() + ": " + text(response.body()));
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
