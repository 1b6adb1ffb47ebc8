package dev.marketplace.server.platform.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

/**
 * Resolves every request to exactly one operation of the OpenAPI document from its path as sent, before
 * authentication and before routing: a path that is not canonical, or no operation's, is answered 404 (405 for a
 * wrong method) here, whatever Helidon's routing would have made of it. Authentication takes the scopes of the
 * operation resolved here, and {@link ContractRouting} runs a handler only for its own operation (decision 22).
 */
public final class CanonicalPaths implements Filter {

    private final ApiRoutes routes;

    public CanonicalPaths(ApiRoutes routes) {
        this.routes = routes;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        req.context().register(routes.resolve(req.prologue().method().text(), rawPath(req)));
        chain.proceed();
    }

    /** The operation this request was resolved to; a request this filter did not pass never gets one. */
    public static ApiRoutes.Operation operation(ServerRequest req) {
        return req.context().get(ApiRoutes.Operation.class)
                .orElseThrow(() -> ProblemException.routeNotFound(rawPath(req)));
    }

    /** The path as the client sent it: not decoded, matrix parameters and all. */
    public static String rawPath(ServerRequest req) {
        return req.prologue().uriPath().rawPath();
    }
}
