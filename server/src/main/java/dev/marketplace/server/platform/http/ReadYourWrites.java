package dev.marketplace.server.platform.http;

import dev.marketplace.server.platform.persistence.ChangeNotifications;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * Holds back the answer to a change under these paths until the change has reached this node's in-memory copies
 * ({@link ChangeNotifications#awaitDelivery(List)} of the listeners that keep them, at once): a client that changed something and then reads it through this
 * node never gets the copy from before its own change. Refusals (4xx, 5xx) and reads are not held back, and
 * neither are changes elsewhere (carts, orders), which pay nothing; what they change reaches the copies within
 * {@link ChangeNotifications#MAX_LAG}.
 */
public final class ReadYourWrites implements Filter {

    private final List<ChangeNotifications> changes;
    private final List<String> pathPrefixes;

    public ReadYourWrites(List<ChangeNotifications> changes, List<String> pathPrefixes) {
        this.changes = List.copyOf(changes);
        this.pathPrefixes = List.copyOf(pathPrefixes);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Method method = req.prologue().method();
        String path = req.path().absolute().path();
        if (method == Method.GET || method == Method.HEAD || pathPrefixes.stream().noneMatch(path::startsWith)) {
            chain.proceed();
            return;
        }
        // The handler's transaction has committed by the time its answer is written.
        res.streamFilter(out -> new FilterOutputStream(out) {
            private boolean awaited;

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                awaitOnce();
                out.write(bytes, offset, length);
            }

            @Override
            public void write(int b) throws IOException {
                awaitOnce();
                out.write(b);
            }

            @Override
            public void close() throws IOException {
                awaitOnce();
                out.close();
            }

            private void awaitOnce() {
                if (!awaited) {
                    awaited = true;
                    // A refused request changed nothing (its transaction rolled back): nothing to wait for.
                    if (res.status().code() < 400) {
                        // The change is committed and this wait (bounded by MAX_LAG) runs nothing: the door's slot
                        // goes to another request meanwhile (decision 92).
                        Admission.stepAside();
                        ChangeNotifications.awaitDelivery(changes);
                    }
                }
            }
        });
        chain.proceed();
    }
}
