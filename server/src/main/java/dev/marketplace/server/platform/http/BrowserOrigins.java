package dev.marketplace.server.platform.http;

import dev.marketplace.server.platform.security.Scopes;
import io.helidon.config.Config;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.net.URI;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which web pages may call the API from a browser (CORS, decision 26). Only a storefront's front end acting for a
 * signed-in customer may: the operations a customer-bound token can reach (every scope among
 * {@link Scopes#DELEGABLE}) and the token and revocation endpoints where a public client exchanges its code, and
 * only from the origins configured in {@code browser.origins}. Operator, merchant and partner operations never
 * answer with CORS headers, so no page on another origin can read them, whatever it sends.
 *
 * <p>Runs before {@link CanonicalPaths}: a preflight carries no token and is answered here; any other OPTIONS
 * request, or a preflight this policy refuses, goes on to be refused like every method the document lacks.
 */
public final class BrowserOrigins implements Filter {

    static final HeaderName ALLOW_ORIGIN = HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN;
    private static final String TOKEN_PATH = "/oauth2/token";
    private static final String REVOCATION_PATH = "/oauth2/revoke";
    private static final String ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id";
    private static final String EXPOSED_HEADERS = "ETag, Location, RateLimit, RateLimit-Policy, Retry-After, "
            + "WWW-Authenticate, X-Request-Id, Idempotent-Replayed";
    private static final String PREFLIGHT_MAX_AGE_SECONDS = "600";

    private final ApiRoutes routes;
    private final Set<String> origins;

    public BrowserOrigins(ApiRoutes routes, Set<String> origins) {
        this.routes = routes;
        this.origins = Set.copyOf(origins);
    }

    /** {@code browser.origins}: comma-separated origins ({@code https://shop.example}); none by default. */
    public static BrowserOrigins from(Config config, ApiRoutes routes) {
        Set<String> origins = config.get("browser.origins").asString().map(list -> Arrays.stream(list.split(","))
                .map(String::strip).filter(origin -> !origin.isEmpty()).map(BrowserOrigins::checkedOrigin)
                .collect(Collectors.toSet())).orElse(Set.of());
        return new BrowserOrigins(routes, origins);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isEmpty()) {
            chain.proceed();
            return;
        }
        Optional<String> preflightMethod = Method.OPTIONS.equals(req.prologue().method())
                ? req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD) : Optional.empty();
        String method = preflightMethod.orElse(req.prologue().method().text());
        if (!isBrowserOperation(method, CanonicalPaths.rawPath(req))) {
            chain.proceed();
            return;
        }
        res.header(HeaderNames.VARY, "Origin");
        if (!origins.contains(origin.get())) {
            chain.proceed();
            return;
        }
        res.header(ALLOW_ORIGIN, origin.get());
        if (preflightMethod.isPresent()) {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, method);
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_REQUEST_HEADERS);
            res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS);
            res.status(Status.NO_CONTENT_204).send();
            return;
        }
        res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED_HEADERS);
        chain.proceed();
    }

    /** Whether a customer's browser may call this operation: customer-facing scopes only, or the code exchange. */
    private boolean isBrowserOperation(String method, String rawPath) {
        try {
            ApiRoutes.Operation operation = routes.resolve(method, rawPath);
            return operation.path().equals(TOKEN_PATH) || operation.path().equals(REVOCATION_PATH)
                    || !operation.scopes().isEmpty() && Scopes.DELEGABLE.containsAll(operation.scopes());
        } catch (ProblemException noOperation) {
            return false;
        }
    }

    /** An origin as browsers send it: scheme, host and port only; anything else is a configuration mistake. */
    private static String checkedOrigin(String origin) {
        URI uri = URI.create(origin);
        boolean valid = ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                && uri.getRawPath().isEmpty() && uri.getRawQuery() == null && uri.getRawFragment() == null
                && uri.getRawUserInfo() == null && origin.equals(origin.toLowerCase(java.util.Locale.ROOT));
        if (!valid) {
            throw new IllegalArgumentException("browser.origins: " + origin + " is not an origin such as https://shop.example");
        }
        return origin;
    }
}
