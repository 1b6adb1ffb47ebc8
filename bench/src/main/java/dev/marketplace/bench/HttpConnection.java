package dev.marketplace.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection that sends prepared request bytes and reads the whole answer. Written for the
 * load generator: it allocates next to nothing per request, so the generator's own cost stays small and measured
 * latency is the server's (the JDK's HttpClient costs several times more CPU per request).
 */
final class HttpConnection implements AutoCloseable {

    private final URI base;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final StringBuilder line = new StringBuilder(128);
    private final byte[] skip = new byte[16 * 1024];
    private int lastRetryAfterSeconds = -1;

    HttpConnection(URI base) {
        this.base = base;
    }

    /** A GET request, ready to be sent again and again. */
    static byte[] get(URI base, String pathAndQuery, String bearerToken) {
        return ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nAuthorization: Bearer " + bearerToken + "\r\nAccept: application/json\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A JSON POST with its own Idempotency-Key: each of these is sent once. */
    static byte[] post(URI base, String path, String bearerToken, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nAuthorization: Bearer " + bearerToken + "\r\nAccept: application/json"
                + "\r\nContent-Type: application/json\r\nIdempotency-Key: " + java.util.UUID.randomUUID()
                + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        return request;
    }

    /** Sends the request and reads the answer completely; returns its status. Reconnects when the server closed. */
    int exchange(byte[] request) throws IOException {
        if (socket == null) {
            connect();
        }
        out.write(request);
        out.flush();
        return readResponse();
    }

    /** Whether the last answer carried {@code Retry-After} (what a shed request must say). */
    boolean lastHadRetryAfter() {
        return lastRetryAfterSeconds >= 0;
    }

    /** The last answer's {@code Retry-After} in seconds (a date counts as 1); -1 when it had none. */
    int lastRetryAfterSeconds() {
        return lastRetryAfterSeconds;
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
        socket.setSoTimeout(60_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
    }

    private int readResponse() throws IOException {
        String statusLine = readLine();
        if (statusLine.length() < 12) {
            throw new IOException("malformed status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        lastRetryAfterSeconds = -1;
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> contentLength = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                case "retry-after" -> lastRetryAfterSeconds = value.chars().allMatch(Character::isDigit)
                        && !value.isEmpty() ? Integer.parseInt(value) : 1;
                default -> { }
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(readLine().split(";")[0].trim(), 16); size > 0;
                 size = Long.parseLong(readLine().split(";")[0].trim(), 16)) {
                discard(size);
                readLine();
            }
            while (!readLine().isEmpty()) {
                // trailers
            }
        } else if (contentLength > 0) {
            discard(contentLength);
        }
        if (close) {
            close();
        }
        return status;
    }

    private void discard(long bytes) throws IOException {
        while (bytes > 0) {
            int read = in.read(skip, 0, (int) Math.min(skip.length, bytes));
            if (read < 0) {
                throw new IOException("connection closed in the middle of a body");
            }
            bytes -= read;
        }
    }

    private String readLine() throws IOException {
        line.setLength(0);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed by the server");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }
}
