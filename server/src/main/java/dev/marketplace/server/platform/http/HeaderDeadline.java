package dev.marketplace.server.platform.http;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request headers have not all arrived within a deadline after its request line.
 * Helidon 4.3 bounds neither: its {@code connection-options.read-timeout} is never applied to accepted sockets,
 * and its idle check closes a connection mid-headers only once the client sends the rest. So a client trickling
 * header bytes, or leaving a request half-sent, held a connection and a thread for as long as it liked.
 * <p>
 * The request line itself is bounded by Helidon's idle check ({@code server.idle-connection-timeout}, every
 * {@code server.idle-connection-period}), which does interrupt a connection waiting for its next request line;
 * Helidon 4.3 offers no hook at a request's first byte, so the header clock starts at the request line.
 * Registered as the HTTP/1.1 receive listener: Helidon calls it on the connection's own virtual thread, first
 * with the request line, then with the headers once complete, which is why the pending alarm is thread-local.
 */
public final class HeaderDeadline implements Http1ConnectionListener {

    private static final ScheduledExecutorService WATCHDOG = RequestAlarms.scheduler("request-header-deadline");

    private final Duration timeout;
    private final ThreadLocal<ScheduledFuture<?>> pending = new ThreadLocal<>();

    public HeaderDeadline(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        disarm(); // headers that failed to parse leave their alarm behind; it must not cut this request short
        // Closing the socket wakes the connection's blocked read, which ends the connection.
        pending.set(WATCHDOG.schedule(() -> ctx.serverSocket().close(), timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        disarm();
    }

    private void disarm() {
        ScheduledFuture<?> alarm = pending.get();
        if (alarm != null) {
            pending.remove();
            alarm.cancel(false);
        }
    }
}
