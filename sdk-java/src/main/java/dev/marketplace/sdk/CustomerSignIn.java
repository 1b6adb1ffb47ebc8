package dev.marketplace.sdk;

import dev.marketplace.sdk.invoker.ApiClient;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Signs customers in with the authorization code grant and PKCE (RFC 6749 §4.1, RFC 7636 S256), for a storefront's
 * client: a confidential one (a server-side storefront keeping its secret) or a public one (an app, no secret).
 *
 * <pre>{@code
 * CustomerSignIn signIn = CustomerSignIn.builder()
 *         .baseUri(URI.create("https://api.example.com"))
 *         .client(clientId, clientSecret)                       // or .publicClient(clientId)
 *         .redirectUri(URI.create("https://shop.example.com/signed-in"))
 *         .scopes("customers:read", "cart:write", "orders:write")
 *         .build();
 * CustomerSignIn.Request request = signIn.start();             // keep it in the shopper's session
 * // redirect the browser to request.authorizationUrl(); the customer signs in on the hosted page and comes back:
 * CustomerSession session = signIn.complete(request, callbackUri);
 * session.client().carts().createCart();     // acts for the customer, renewing its token
 * store.accept(session.refreshToken());                       // the latest one; each is good once
 * }</pre>
 */
public final class CustomerSignIn {

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One sign-in in progress: keep it (in the shopper's session) until the browser comes back.
     *
     * @param authorizationUrl where to send the customer's browser
     * @param state            sent along and compared on the way back, against forged redirects (CSRF)
     * @param codeVerifier     the PKCE secret; only its S256 challenge is in the URL
     */
    public record Request(URI authorizationUrl, String state, String codeVerifier) {
        @Override
        public String toString() {
            return "Request[" + authorizationUrl + "]"; // never the verifier, in case it is logged
        }
    }

    private final Builder settings;
    private final TokenEndpoint tokenEndpoint;

    private CustomerSignIn(Builder settings) {
        this.settings = settings;
        RetryPolicy retryPolicy = new RetryPolicy(settings.maxRetries, Duration.ofSeconds(30), Clock.systemUTC(), Sleeper.REAL);
        var mapper = ApiClient.createDefaultObjectMapper();
        // Codes and refresh tokens are good once: a request whose connection failed mid-way is not sent again.
        HttpClient http = new RetryingHttpClient(settings.httpClientBuilder.build(), retryPolicy, request -> false);
        this.tokenEndpoint = new TokenEndpoint(http, endpoint("/oauth2/token"), settings.clientId,
                settings.clientSecret, settings.requestTimeout, mapper, new ProblemInterceptor(mapper, Clock.systemUTC()),
                Clock.systemUTC());
    }

    /** Settings: {@code baseUri}, a client ({@code client} or {@code publicClient}) and {@code redirectUri} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** A new sign-in: a random state and PKCE verifier, and the authorization URL carrying the verifier's challenge. */
    public Request start() {
        String state = randomToken();
        String verifier = randomToken();
        String query = "response_type=code&client_id=" + encoded(settings.clientId)
                + "&redirect_uri=" + encoded(settings.redirectUri.toString())
                + (settings.scopes.isEmpty() ? "" : "&scope=" + encoded(String.join(" ", settings.scopes)))
                + "&code_challenge=" + challengeOf(verifier) + "&code_challenge_method=S256&state=" + state;
        return new Request(endpoint("/oauth2/authorize?" + query), state, verifier);
    }

    /**
     * The browser came back to the redirect URI: checks the state, exchanges the code (with the verifier) for the
     * customer's tokens, and returns the session.
     *
     * @param callback the URI the browser was sent back to, with its query ({@code code} and {@code state}, or
     *                 {@code error})
     * @throws IllegalArgumentException when the state does not match or the customer declined ({@code error})
     * @throws MarketplaceException.AuthenticationException when the token endpoint refuses the code
     *                                                      ({@code invalid_grant}: expired, used, or another verifier)
     * @throws MarketplaceException.CommunicationException when the token endpoint cannot be reached or answers nonsense
     */
    public CustomerSession complete(Request request, URI callback) {
        Map<String, String> parameters = queryOf(callback);
        if (!request.state().equals(parameters.get("state"))) {
            throw new IllegalArgumentException("the state that came back is not the one sent: not this sign-in's answer");
        }
        if (parameters.containsKey("error")) {
            throw new IllegalArgumentException("the sign-in ended without a code: " + parameters.get("error"));
        }
        String code = parameters.get("code");
        if (code == null) {
            throw new IllegalArgumentException("the redirect carries no code: " + callback);
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", settings.redirectUri.toString());
        form.put("code_verifier", request.codeVerifier());
        try {
            return session(tokenEndpoint.request(form));
        } catch (IOException e) {
            throw new MarketplaceException.CommunicationException("exchanging the code failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MarketplaceException.CommunicationException("exchanging the code was interrupted", e);
        }
    }

    /** A session from a refresh token saved earlier; the first call exchanges it for an access token. */
    public CustomerSession resume(String refreshToken) {
        Objects.requireNonNull(refreshToken, "refreshToken");
        return session(new TokenEndpoint.IssuedToken("", Instant.MIN, refreshToken));
    }

    private CustomerSession session(TokenEndpoint.IssuedToken issued) {
        CustomerTokenSource tokens = new CustomerTokenSource(tokenEndpoint, issued, settings.onRefreshTokenChanged);
        MarketplaceClient client = MarketplaceClient.builder().baseUri(settings.baseUri)
                .httpClientBuilder(settings.httpClientBuilder).requestTimeout(settings.requestTimeout)
                .maxRetries(settings.maxRetries).tokenSource(tokens).build();
        return new CustomerSession(client, tokens);
    }

    /** Below the base URI, also when it has a path of its own (as MarketplaceClient resolves it). */
    private URI endpoint(String pathAndQuery) {
        return URI.create(settings.baseUri.toString().replaceAll("/+$", "") + pathAndQuery);
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String challengeOf(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static Map<String, String> queryOf(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (uri.getRawQuery() == null) {
            return parameters;
        }
        for (String pair : uri.getRawQuery().split("&")) {
            String[] parts = pair.split("=", 2);
            parameters.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
                    URLDecoder.decode(parts.length > 1 ? parts[1] : "", StandardCharsets.UTF_8));
        }
        return parameters;
    }

    private static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public static final class Builder {
        private URI baseUri;
        private String clientId;
        private String clientSecret;
        private URI redirectUri;
        private List<String> scopes = List.of();
        private HttpClient.Builder httpClientBuilder = HttpClient.newBuilder();
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int maxRetries = 2;
        private Consumer<String> onRefreshTokenChanged = refreshToken -> { };

        private Builder() {
        }

        /** Where the API is, such as {@code https://api.example.com}. */
        public Builder baseUri(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
            return this;
        }

        /** A confidential client: a server-side storefront that keeps its secret (HTTP Basic at the token endpoint). */
        public Builder client(String clientId, String clientSecret) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
            return this;
        }

        /** A public client ({@code clientType: public}): an app that cannot keep a secret; PKCE alone binds the code. */
        public Builder publicClient(String clientId) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.clientSecret = null;
            return this;
        }

        /** One of the client's registered redirect URIs, where the browser comes back with the code. */
        public Builder redirectUri(URI redirectUri) {
            this.redirectUri = Objects.requireNonNull(redirectUri, "redirectUri");
            return this;
        }

        /** The scopes to ask the customer to consent to; none asks for all the client was granted. */
        public Builder scopes(String... scopes) {
            this.scopes = List.copyOf(Arrays.asList(scopes));
            return this;
        }

        /** The JDK HTTP client to use (proxy, TLS, executor), for token requests and the customer's calls alike. */
        public Builder httpClientBuilder(HttpClient.Builder httpClientBuilder) {
            this.httpClientBuilder = Objects.requireNonNull(httpClientBuilder, "httpClientBuilder");
            return this;
        }

        /** How long one request may take, from sending to the end of the response headers (default 30 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        /** As {@link MarketplaceClient.Builder#maxRetries}; token requests are resent only after 429 or 503. */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * Called with each new refresh token: the server rotates them on every use, and a spent one sent again
         * revokes the whole sign-in, so a storefront that keeps sessions across restarts saves each one here.
         */
        public Builder onRefreshTokenChanged(Consumer<String> onRefreshTokenChanged) {
            this.onRefreshTokenChanged = Objects.requireNonNull(onRefreshTokenChanged, "onRefreshTokenChanged");
            return this;
        }

        /** @throws IllegalStateException when the base URI, the client or the redirect URI is missing */
        public CustomerSignIn build() {
            if (baseUri == null || clientId == null || redirectUri == null) {
                throw new IllegalStateException("baseUri, a client and a redirectUri are required");
            }
            return new CustomerSignIn(this);
        }
    }
}
