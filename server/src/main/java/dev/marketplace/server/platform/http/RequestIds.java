package dev.marketplace.server.platform.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every request an id, sent back as {@code X-Request-Id} and put into problem documents and logs.
 * A well-formed id sent by the client (or a proxy) is kept, so one id follows a call across systems.
 */
public final class RequestIds implements Filter {

    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{8,128}");

    /** The id held in a request's context. */
    private record RequestId(String value) {
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String id = req.headers().first(HEADER)
                .filter(candidate -> ACCEPTED.matcher(candidate).matches())
                .orElseGet(RequestIds::newId);
        req.context().register(new RequestId(id));
        res.header(HEADER, id);
        chain.proceed();
    }

    /** This request's id (a fresh one if the filter did not run, as for errors raised before routing). */
    public static String of(ServerRequest req) {
        return req.context().get(RequestId.class).map(RequestId::value).orElseGet(RequestIds::newId);
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }
}
