package dev.marketplace.server.platform.http;

import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads request bodies within a deadline. The server bounds a body's size, not the time it takes to arrive,
 * so a client that stalls mid-body would hold a thread and a connection for as long as it likes; past the
 * deadline the reading thread is interrupted, which closes the socket (virtual threads' socket reads are
 * interruptible). Registered once in the server's context, so every request finds it.
 */
public final class RequestBodies {

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("request-body-deadline").factory());

    private final Duration deadline;

    public RequestBodies(Duration deadline) {
        this.deadline = deadline;
    }

    /** The whole body of {@code req} (bounded in size by {@code server.max-payload-size}). */
    public static byte[] readAll(ServerRequest req) {
        return req.context().get(RequestBodies.class).orElseThrow(
                () -> new IllegalStateException("RequestBodies is not registered in the server context")).read(req);
    }

    private byte[] read(ServerRequest req) {
        Thread reader = Thread.currentThread();
        ScheduledFuture<?> alarm = WATCHDOG.schedule(reader::interrupt, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try (InputStream in = req.content().inputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            alarm.cancel(false);
            Thread.interrupted(); // an alarm that fired just after the last byte must not leak into the handler
        }
    }
}
