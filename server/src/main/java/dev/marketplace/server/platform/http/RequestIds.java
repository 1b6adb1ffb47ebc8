package dev.marketplace.server.platform.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
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

    /**
     * A random (version 4) UUID from a non-cryptographic generator: an id must be unique, not unguessable, and
     * {@link UUID#randomUUID()}'s SecureRandom reads /dev/urandom under a lock (3 % of a listing request's CPU).
     */
    public static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & ~(0xC000_0000_0000_0000L) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
