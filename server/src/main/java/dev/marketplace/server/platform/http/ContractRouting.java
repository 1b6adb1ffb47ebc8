package dev.marketplace.server.platform.http;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * The one way the server's own routes are registered. Each route must be an operation of the OpenAPI document —
 * the same method and the same path template, parameter names included — or the server does not start; a route
 * given any other way (a path matcher, any method, no path) is refused too, as it cannot be checked. Each handler
 * runs only for a request that {@link CanonicalPaths} resolved to the handler's own operation: were Helidon ever to
 * route a path to another operation's handler than the one the path was authorized for, the request fails instead
 * (decision 22).
 */
public final class ContractRouting {

    private final ApiRoutes routes;
    private final HttpRouting.Builder routing;

    public ContractRouting(ApiRoutes routes, HttpRouting.Builder routing) {
        this.routes = routes;
        this.routing = routing;
    }

    /** Registers a service's routes under {@code prefix}, each checked against the document. */
    public ContractRouting register(String prefix, HttpService service) {
        routing.register(prefix, new CheckedService(prefix, service));
        return this;
    }

    /** Registers one GET route, checked against the document. */
    public ContractRouting get(String path, Handler handler) {
        routing.get(path, guarded(Method.GET, path, handler));
        return this;
    }

    private Handler guarded(Method method, String template, Handler handler) {
        ApiRoutes.Operation operation = routes.operation(method.text(), template).orElseThrow(() ->
                new IllegalStateException("route " + method.text() + " " + template
                        + " is not an operation of the OpenAPI document; document it or remove it"));
        return (req, res) -> {
            if (!CanonicalPaths.operation(req).equals(operation)) {
                throw new IllegalStateException("request for " + CanonicalPaths.operation(req) + " routed to the handler of "
                        + operation);
            }
            handler.handle(req, res);
        };
    }

    /** A service whose routes are checked as it declares them; its lifecycle is the service's own. */
    private final class CheckedService implements HttpService {
        private final String prefix;
        private final HttpService service;

        CheckedService(String prefix, HttpService service) {
            this.prefix = prefix;
            this.service = service;
        }

        @Override
        public void routing(HttpRules rules) {
            service.routing(new CheckedRules(prefix, rules));
        }

        @Override
        public void beforeStart() {
            service.beforeStart();
        }

        @Override
        public void afterStop() {
            service.afterStop();
        }
    }

    /**
     * Rules that accept only a method and a path pattern per route (what {@code get}, {@code post}, … give): every
     * other way of adding a route ends in {@link #route(HttpRoute)}, which refuses it.
     */
    private final class CheckedRules implements HttpRules {
        private final String prefix;
        private final HttpRules rules;

        CheckedRules(String prefix, HttpRules rules) {
            this.prefix = prefix;
            this.rules = rules;
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Handler handler) {
            // Under a prefix, Helidon's "/" is the prefix itself.
            String template = "/".equals(pathPattern) ? prefix : prefix + pathPattern;
            rules.route(method, pathPattern, guarded(method, template, handler));
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            throw new IllegalStateException("a route under " + prefix + " must be given by method and path, so that it"
                    + " can be checked against the OpenAPI document: " + route);
        }

        @Override
        public HttpRules register(HttpService... services) {
            for (HttpService service : services) {
                rules.register(new CheckedService(prefix, service));
            }
            return this;
        }

        @Override
        public HttpRules register(String pathPattern, HttpService... services) {
            for (HttpService service : services) {
                rules.register(pathPattern, new CheckedService(prefix + pathPattern, service));
            }
            return this;
        }
    }
}
