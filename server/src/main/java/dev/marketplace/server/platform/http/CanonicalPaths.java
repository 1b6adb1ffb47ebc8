package dev.marketplace.server.platform.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/**
 * Resolves every request to exactly one operation of the OpenAPI document from its path as sent, before
 * authentication and before routing, whatever Helidon's routing would make of the path. A path that is not
 * canonical or no operation's is refused with 404 (405 for a wrong method): at once on a path of public operations,
 * otherwise by {@code Authentication} once the caller has shown a valid token, so that callers without one learn
 * nothing of which paths exist. Authentication takes the scopes of the operation resolved here, and
 * {@link ContractRouting} runs a handler only for its own operation (decision 22).
 */
public final class CanonicalPaths implements Filter {

    /** Why a request has no operation, to be answered after authentication. */
    private record Refusal(ProblemException problem) {
    }

    private final ApiRoutes routes;

    public CanonicalPaths(ApiRoutes routes) {
        this.routes = routes;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String rawPath = rawPath(req);
        try {
            req.context().register(routes.resolve(req.prologue().method().text(), rawPath));
        } catch (ProblemException refused) {
            if (routes.isPublicPath(rawPath)) {
                throw refused;
            }
            req.context().register(new Refusal(refused));
        }
        chain.proceed();
    }

    /** The operation this request was resolved to, if it was. */
    public static Optional<ApiRoutes.Operation> resolvedOperation(ServerRequest req) {
        return req.context().get(ApiRoutes.Operation.class);
    }

    /** The operation this request was resolved to; for any other request, its refusal (404 or 405) is thrown. */
    public static ApiRoutes.Operation operation(ServerRequest req) {
        return resolvedOperation(req).orElseThrow(() -> req.context().get(Refusal.class).map(Refusal::problem)
                .orElseGet(() -> ProblemException.routeNotFound(rawPath(req))));
    }

    /** The path as the client sent it: not decoded, matrix parameters and all. */
    public static String rawPath(ServerRequest req) {
        return req.prologue().uriPath().rawPath();
    }
}
