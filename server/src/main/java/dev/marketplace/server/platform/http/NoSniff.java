package dev.marketplace.server.platform.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * {@code X-Content-Type-Options: nosniff} on every response, so that no browser runs a JSON body, a problem or a
 * merchant-supplied text as script or HTML by guessing its type. Responses the server sends before routing carry it
 * through {@link ErrorHandling}'s direct handlers.
 */
public final class NoSniff implements Filter {

    static final Header HEADER = HeaderValues.create(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        res.header(HEADER);
        chain.proceed();
    }
}
