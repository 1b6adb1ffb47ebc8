package dev.marketplace.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.marketplace.sdk.MarketplaceException.AuthenticationException;
import dev.marketplace.sdk.model.Problem;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Obtains access tokens with the OAuth2 client credentials grant (RFC 6749 §4.4) and keeps each one until
 * shortly before it expires, so that calls neither wait for a token nor fail on one that ran out in flight.
 * Fetching is single-flight: however many threads need a new token at once, one request is sent.
 */
final class ClientCredentialsTokenSource {

    private static final Duration LEAST_RENEWAL_MARGIN = Duration.ofSeconds(30);
    private static final int RENEWAL_MARGIN_PERCENT_OF_LIFETIME = 10;

    private final HttpClient http;
    private final HttpRequest tokenRequest;
    private final ObjectMapper mapper;
    private final ProblemInterceptor problems;
    private final Clock clock;
    private final ReentrantLock fetching = new ReentrantLock();
    private final AtomicReference<CachedToken> cached = new AtomicReference<>();

    /**
     * @param http         sends the token requests (with the SDK's retries; never with a bearer token)
     * @param tokenRequest from {@link #tokenRequest}
     * @param problems     reads error answers that are not OAuth2 errors (such as a 503 problem document)
     */
    ClientCredentialsTokenSource(HttpClient http, HttpRequest tokenRequest, ObjectMapper mapper,
                                 ProblemInterceptor problems, Clock clock) {
        this.http = http;
        this.tokenRequest = tokenRequest;
        this.mapper = mapper;
        this.problems = problems;
        this.clock = clock;
    }

    /**
     * The token request: the client authenticates with HTTP Basic, its id and secret each form-url-encoded
     * first (RFC 6749 §2.3.1), and asks for {@code scopes} when there are any (else the client's default scopes).
     */
    static HttpRequest tokenRequest(URI tokenEndpoint, String clientId, String clientSecret, List<String> scopes,
                                    Duration timeout) {
        String credentials = formEncoded(clientId) + ":" + formEncoded(clientSecret);
        String form = "grant_type=client_credentials"
                + (scopes.isEmpty() ? "" : "&scope=" + formEncoded(String.join(" ", scopes)));
        return HttpRequest.newBuilder(tokenEndpoint)
                .timeout(timeout)
                .header("Authorization", "Basic "
                        + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
    }

    /**
     * A token that is not close to expiring, fetched now if the cached one is.
     *
     * @throws AuthenticationException when the token endpoint refuses the client (code: the OAuth2 error)
     * @throws IOException             when the token endpoint cannot be reached or answers nonsense
     */
    String accessToken() throws IOException, InterruptedException {
        CachedToken token = cached.get();
        if (token != null && token.usableAt(clock.instant())) {
            return token.value();
        }
        fetching.lockInterruptibly();
        try {
            token = cached.get();
            if (token == null || !token.usableAt(clock.instant())) {
                token = fetch();
                cached.set(token);
            }
            return token.value();
        } finally {
            fetching.unlock();
        }
    }

    /** Drops a token the API rejected, unless another thread has already replaced it. */
    void forget(String rejectedToken) {
        cached.updateAndGet(token -> token != null && token.value().equals(rejectedToken) ? null : token);
    }

    private CachedToken fetch() throws IOException, InterruptedException {
        Instant requestedAt = clock.instant();
        HttpResponse<byte[]> response = http.send(tokenRequest, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw errorFor(response);
        }
        JsonNode body = parsed(response.body());
        String accessToken = body.path("access_token").textValue();
        String tokenType = body.path("token_type").textValue();
        if (accessToken == null || accessToken.isEmpty()) {
            throw new IOException("the token endpoint answered 200 without an access_token");
        }
        if (!"Bearer".equalsIgnoreCase(tokenType)) {
            throw new IOException("the token endpoint issued a token of type " + tokenType + "; the SDK sends Bearer tokens");
        }
        JsonNode expiresIn = body.path("expires_in");
        if (!expiresIn.canConvertToLong()) {
            return new CachedToken(accessToken, Instant.MAX); // no stated lifetime: kept until the API rejects it
        }
        Duration lifetime = Duration.ofSeconds(expiresIn.asLong());
        Duration margin = max(LEAST_RENEWAL_MARGIN, lifetime.multipliedBy(RENEWAL_MARGIN_PERCENT_OF_LIFETIME).dividedBy(100));
        return new CachedToken(accessToken, requestedAt.plus(lifetime).minus(margin));
    }

    /** An OAuth2 error (RFC 6749 §5.2) becomes an AuthenticationException whose code is the OAuth2 error. */
    private MarketplaceException errorFor(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        JsonNode body = parsed(response.body());
        String error = body.path("error").textValue();
        if ((status == 400 || status == 401) && error != null) {
            Problem problem = new Problem().type("about:blank").status(status).title("OAuth2 error").code(error)
                    .detail(Optional.ofNullable(body.path("error_description").textValue()).orElse(error));
            return new AuthenticationException(status, problem, response.headers().firstValue("X-Request-Id").orElse(null));
        }
        return problems.exceptionFor(status, response.headers(), response.body());
    }

    private JsonNode parsed(byte[] body) {
        try {
            return Optional.ofNullable(mapper.readTree(body)).orElse(MissingNode.getInstance());
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    private static String formEncoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A token and the moment from which the SDK fetches a new one instead of sending it. */
    private record CachedToken(String value, Instant renewAt) {
        boolean usableAt(Instant now) {
            return now.isBefore(renewAt);
        }

        @Override
        public String toString() {
            return "CachedToken[renewAt=" + renewAt + "]"; // never the token itself, in case it is logged
        }
    }
}
