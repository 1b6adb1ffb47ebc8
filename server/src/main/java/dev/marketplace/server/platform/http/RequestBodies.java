package dev.marketplace.server.platform.http;

import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
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

    private static final ScheduledExecutorService WATCHDOG = RequestAlarms.scheduler("request-body-deadline");

    private final Duration deadline;

    /** What is done with the body stream. */
    private interface Reading<T> {
        T from(InputStream in) throws IOException;
    }

    public RequestBodies(Duration deadline) {
        this.deadline = deadline;
    }

    /** The whole body of {@code req} (bounded in size by {@code server.max-payload-size}). */
    public static byte[] readAll(ServerRequest req) {
        return of(req).read(req, InputStream::readAllBytes);
    }

    /**
     * Reads and drops what is left of a body no handler read, within the same deadline. The server would otherwise
     * read it after the answer at the client's pace, holding the connection for as long as the client likes.
     */
    public static void discardUnread(ServerRequest req) {
        if (req.content().hasEntity() && !req.content().consumed()) {
            of(req).read(req, in -> in.transferTo(OutputStream.nullOutputStream()));
        }
    }

    private static RequestBodies of(ServerRequest req) {
        return req.context().get(RequestBodies.class).orElseThrow(
                () -> new IllegalStateException("RequestBodies is not registered in the server context"));
    }

    private <T> T read(ServerRequest req, Reading<T> reading) {
        Thread reader = Thread.currentThread();
        ScheduledFuture<?> alarm = WATCHDOG.schedule(reader::interrupt, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try (InputStream in = req.content().inputStream()) {
            return reading.from(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            alarm.cancel(false);
            Thread.interrupted(); // an alarm that fired just after the last byte must not leak into the handler
        }
    }
}
