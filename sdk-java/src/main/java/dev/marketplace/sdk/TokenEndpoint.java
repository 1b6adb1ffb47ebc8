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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The OAuth2 token endpoint ({@code {baseUri}/oauth2/token}) as one client uses it: a confidential client
 * authenticates with HTTP Basic, its id and secret each form-url-encoded first (RFC 6749 §2.3.1); a public client
 * (no secret) names itself with {@code client_id} in the form.
 */
final class TokenEndpoint {

    private static final Duration LEAST_RENEWAL_MARGIN = Duration.ofSeconds(30);
    private static final int RENEWAL_MARGIN_PERCENT_OF_LIFETIME = 10;

    /** An issued token, the moment from which it is renewed instead of sent, and the refresh token if one came. */
    record IssuedToken(String accessToken, Instant renewAt, String refreshToken) {
        boolean usableAt(Instant now) {
            return now.isBefore(renewAt);
        }

        @Override
        public String toString() {
            return "IssuedToken[renewAt=" + renewAt + "]"; // never the tokens themselves, in case it is logged
        }
    }

    private final HttpClient http;
    private final URI uri;
    private final String clientId;
    private final String clientSecret;
    private final Duration timeout;
    private final ObjectMapper mapper;
    private final ProblemInterceptor problems;
    private final Clock clock;

    /**
     * @param http         sends the token requests (with the SDK's retries; never with a bearer token)
     * @param clientSecret null for a public client
     * @param problems     reads error answers that are not OAuth2 errors (such as a 503 problem document)
     */
    TokenEndpoint(HttpClient http, URI uri, String clientId, String clientSecret, Duration timeout, ObjectMapper mapper,
                  ProblemInterceptor problems, Clock clock) {
        this.http = http;
        this.uri = uri;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.timeout = timeout;
        this.mapper = mapper;
        this.problems = problems;
        this.clock = clock;
    }

    /**
     * Sends one token request with these form fields.
     *
     * @throws AuthenticationException when the endpoint refuses (code: the OAuth2 error, such as {@code invalid_grant})
     * @throws IOException             when the endpoint cannot be reached or answers nonsense
     */
    IssuedToken request(Map<String, String> form) throws IOException, InterruptedException {
        Map<String, String> fields = new LinkedHashMap<>(form);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json");
        if (clientSecret == null) {
            fields.put("client_id", clientId);
        } else {
            String credentials = formEncoded(clientId) + ":" + formEncoded(clientSecret);
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        String body = fields.entrySet().stream()
                .map(field -> formEncoded(field.getKey()) + "=" + formEncoded(field.getValue()))
                .collect(Collectors.joining("&"));
        Instant requestedAt = clock.instant();
        HttpResponse<byte[]> response = http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw errorFor(response);
        }
        return issued(parsed(response.body()), requestedAt);
    }

    private IssuedToken issued(JsonNode body, Instant requestedAt) throws IOException {
        String accessToken = body.path("access_token").textValue();
        String tokenType = body.path("token_type").textValue();
        if (accessToken == null || accessToken.isEmpty()) {
            throw new IOException("the token endpoint answered 200 without an access_token");
        }
        if (!"Bearer".equalsIgnoreCase(tokenType)) {
            throw new IOException("the token endpoint issued a token of type " + tokenType + "; the SDK sends Bearer tokens");
        }
        String refreshToken = body.path("refresh_token").textValue();
        JsonNode expiresIn = body.path("expires_in");
        if (!expiresIn.canConvertToLong()) {
            return new IssuedToken(accessToken, Instant.MAX, refreshToken); // no stated lifetime: kept until rejected
        }
        Duration lifetime = Duration.ofSeconds(expiresIn.asLong());
        Duration margin = max(LEAST_RENEWAL_MARGIN, lifetime.multipliedBy(RENEWAL_MARGIN_PERCENT_OF_LIFETIME).dividedBy(100));
        return new IssuedToken(accessToken, requestedAt.plus(lifetime).minus(margin), refreshToken);
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
}
