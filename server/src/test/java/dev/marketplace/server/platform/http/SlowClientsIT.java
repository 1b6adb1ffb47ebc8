package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.RawHttp;
import dev.marketplace.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow clients cannot hold connections: the request line must come within the idle bound, the headers within the
 * header bound after it; a keep-alive client inside the bounds is served on the same connection. Small bounds keep
 * the test short; the idle bound is three times the header bound so each closure is told apart by its timing.
 */
class SlowClientsIT {

    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(1);
    /** Scheduling and the idle check's period (0.25 s) on a busy machine. */
    private static final Duration SLACK = Duration.ofMillis(1500);
    /** Helidon measures idle time with a clock that ticks once a second, so it may close up to a second early. */
    private static final Duration IDLE_CLOCK_TICK = Duration.ofSeconds(1);
    private static final String REQUEST_LINE = "GET /observe/health/live HTTP/1.1\r\n";

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("http.header.timeout", HEADER_TIMEOUT.toString())
            .with("http.body.timeout", BODY_TIMEOUT.toString())
            .with("server.idle-connection-timeout", IDLE_TIMEOUT.toString())
            .with("server.idle-connection-period", "PT0.25S");

    @Test
    void aSilentConnectionIsClosedAfterTheIdleBound() throws IOException {
        try (Socket socket = connect()) {
            Duration open = timeUntilClosed(socket, () -> { });
            assertThat(open).isBetween(IDLE_TIMEOUT.minus(IDLE_CLOCK_TICK), IDLE_TIMEOUT.plus(SLACK));
        }
    }

    @Test
    void aHalfSentRequestLineIsClosedAfterTheIdleBound() throws IOException {
        try (Socket socket = connect()) {
            send(socket, "GET /observe/hea");
            Duration open = timeUntilClosed(socket, () -> { });
            assertThat(open).isBetween(IDLE_TIMEOUT.minus(IDLE_CLOCK_TICK), IDLE_TIMEOUT.plus(SLACK));
        }
    }

    @Test
    void aHalfSentRequestLeftIdleIsClosedAfterTheHeaderBound() throws IOException {
        try (Socket socket = connect()) {
            send(socket, REQUEST_LINE + "Host: 127.0.0.1\r\nAccept: appl");
            Duration open = timeUntilClosed(socket, () -> { });
            assertThat(open).isBetween(HEADER_TIMEOUT.minus(Duration.ofMillis(100)), HEADER_TIMEOUT.plus(SLACK));
        }
    }

    @Test
    void trickledHeaderBytesAreCutOffAtTheHeaderBound() throws IOException {
        try (Socket socket = connect()) {
            send(socket, REQUEST_LINE);
            Duration open = timeUntilClosed(socket, () -> send(socket, "X"));
            assertThat(open).isBetween(HEADER_TIMEOUT.minus(Duration.ofMillis(100)), HEADER_TIMEOUT.plus(SLACK));
        }
    }

    @Test
    void aBodyLeftUnreadByARefusalMustArriveWithinTheBodyBoundToo() throws IOException {
        String unauthorized = "POST /v1/categories HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 20\r\n\r\n";
        try (Socket socket = connect()) {
            // Refused (no token) without its body being read; the body is complete, so the connection lives on.
            send(socket, unauthorized + "{\"name\":\"0123456789\"");
            socket.setSoTimeout(10_000);
            assertThat(RawHttp.readResponse(socket, "POST", "/v1/categories").status()).isEqualTo(401);
            send(socket, REQUEST_LINE + "Host: 127.0.0.1\r\n\r\n");
            assertThat(RawHttp.readResponse(socket, "GET", "/observe/health/live").status()).isEqualTo(200);
        }
        try (Socket socket = connect()) {
            // The same refusal with the body trickling: not read at the client's pace for as long as it likes.
            send(socket, unauthorized + "{");
            Duration open = timeUntilClosed(socket, () -> send(socket, "x"));
            assertThat(open).isBetween(BODY_TIMEOUT.minus(Duration.ofMillis(100)), BODY_TIMEOUT.plus(SLACK));
        }
    }

    @Test
    void aKeepAliveClientWithinTheBoundsIsServedOnOneConnection() throws IOException, InterruptedException {
        try (Socket socket = connect()) {
            send(socket, REQUEST_LINE + "Host: 127.0.0.1\r\n\r\n");
            assertThat(RawHttp.readResponse(socket, "GET", "/observe/health/live").status()).isEqualTo(200);

            // Longer than the header bound (no alarm of the first request outlives it), within the idle bound.
            Thread.sleep(HEADER_TIMEOUT.plus(Duration.ofMillis(500)));
            // Headers in pieces, each arriving well within the header bound.
            send(socket, REQUEST_LINE + "Host: 127.0.0.1\r\n");
            Thread.sleep(300);
            send(socket, "Accept: application/json\r\n\r\n");
            assertThat(RawHttp.readResponse(socket, "GET", "/observe/health/live").status()).isEqualTo(200);
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.baseUri().getPort());
        socket.setSoTimeout(250);
        return socket;
    }

    private static void send(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            // The server closed the connection; the next read sees it.
        }
    }

    /**
     * How long the server keeps the connection open, doing {@code between} after every quarter second of silence
     * from the server; fails if it is still open after both bounds and the slack have passed.
     */
    private static Duration timeUntilClosed(Socket socket, Runnable between) throws IOException {
        long start = System.nanoTime();
        Duration limit = IDLE_TIMEOUT.plus(HEADER_TIMEOUT).plus(SLACK).plus(SLACK);
        InputStream in = socket.getInputStream();
        while (Duration.ofNanos(System.nanoTime() - start).compareTo(limit) < 0) {
            try {
                int read = in.read();
                assertThat(read).as("the server closes without answering").isEqualTo(-1);
                return Duration.ofNanos(System.nanoTime() - start);
            } catch (SocketTimeoutException e) {
                between.run();
            } catch (IOException e) {
                return Duration.ofNanos(System.nanoTime() - start); // reset: closed as well
            }
        }
        throw new AssertionError("the connection is still open after " + limit);
    }
}
