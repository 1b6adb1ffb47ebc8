package dev.marketplace.server.platform.security;

import dev.marketplace.server.platform.http.ApiRoutes;
import dev.marketplace.server.platform.http.ProblemException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;
import java.util.Set;

/**
 * Resource protection for every {@code /v1} route, present and future: a valid bearer access token (401
 * otherwise, with an RFC 6750 challenge) carrying the scopes the OpenAPI document names for the operation
 * (403 otherwise). Handlers never check tokens; they ask {@link #principal(ServerRequest)} who is calling.
 */
public final class Authentication implements Filter {

    private static final String PROTECTED_PREFIX = "/v1/";

    private final AccessTokens tokens;
    private final ApiRoutes routes;
    private final RateLimits rateLimits;

    public Authentication(AccessTokens tokens, ApiRoutes routes, RateLimits rateLimits) {
        this.tokens = tokens;
        this.routes = routes;
        this.rateLimits = rateLimits;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().absolute().path();
        if (!path.startsWith(PROTECTED_PREFIX)) {
            chain.proceed();
            return;
        }
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        Optional<String> token = header.filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).strip())
                .filter(value -> !value.isEmpty());
        Principal principal;
        try {
            if (token.isEmpty()) {
                throw ProblemException.unauthorized(header.isEmpty()
                        ? "Send an access token: Authorization: Bearer <token> (from /oauth2/token)."
                        : "The Authorization header must be: Bearer <token>.", false);
            }
            try {
                principal = tokens.verify(token.get());
            } catch (AccessTokens.InvalidTokenException e) {
                throw ProblemException.unauthorized(e.getMessage(), true);
            }
        } catch (ProblemException unauthorized) {
            // Failed authentication is throttled per address, so guessing tokens costs the guesser.
            rateLimits.chargeAnonymous(req, res);
            throw unauthorized;
        }
        rateLimits.charge(principal, res);
        Set<String> required = routes.requiredScopes(req.prologue().method().text(), path);
        if (!principal.scopes().containsAll(required)) {
            throw ProblemException.insufficientScope(required);
        }
        req.context().register(principal);
        chain.proceed();
    }

    /** Who is calling; only for requests that passed this filter (every /v1 route). */
    public static Principal principal(ServerRequest req) {
        return req.context().get(Principal.class)
                .orElseThrow(() -> new IllegalStateException("no authenticated principal for " + req.path().absolute().path()));
    }

    /** Who is calling, when the request was authenticated. */
    public static Optional<Principal> principalIfAny(ServerRequest req) {
        return req.context().get(Principal.class);
    }
}
