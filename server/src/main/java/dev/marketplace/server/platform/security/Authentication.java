package dev.marketplace.server.platform.security;

import dev.marketplace.server.platform.http.ApiRoutes;
import dev.marketplace.server.platform.http.CanonicalPaths;
import dev.marketplace.server.platform.http.ProblemException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/**
 * Resource protection for every operation, present and future, that the OpenAPI document does not declare public:
 * a valid bearer access token (401 otherwise, with an RFC 6750 challenge) carrying the scopes the document names
 * for the operation {@link CanonicalPaths} resolved the request to (403 otherwise). A request without a resolved
 * operation never gets past here: it needs a valid token like any other, then gets its 404 or 405. Handlers never
 * check tokens; they ask {@link #principal(ServerRequest)} who is calling.
 */
public final class Authentication implements Filter {

    private final AccessTokens tokens;
    private final RateLimits rateLimits;

    public Authentication(AccessTokens tokens, RateLimits rateLimits) {
        this.tokens = tokens;
        this.rateLimits = rateLimits;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (CanonicalPaths.resolvedOperation(req).map(ApiRoutes.Operation::isPublic).orElse(false)) {
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
        // A request for no operation ends here, with its 404 or 405, once the caller has shown a valid token.
        ApiRoutes.Operation operation = CanonicalPaths.operation(req);
        if (!principal.scopes().containsAll(operation.scopes())) {
            throw ProblemException.insufficientScope(operation.scopes());
        }
        req.context().register(principal);
        chain.proceed();
    }

    /** Who is calling; only for requests that passed this filter (every operation that is not public). */
    public static Principal principal(ServerRequest req) {
        return req.context().get(Principal.class)
                .orElseThrow(() -> new IllegalStateException("no authenticated principal for " + req.path().absolute().path()));
    }

    /** Who is calling, when the request was authenticated. */
    public static Optional<Principal> principalIfAny(ServerRequest req) {
        return req.context().get(Principal.class);
    }
}
