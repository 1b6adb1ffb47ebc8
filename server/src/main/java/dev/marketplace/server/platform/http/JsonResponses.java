package dev.marketplace.server.platform.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/** Writes response bodies as JSON (JSON-B over Java records; absent values are left out). */
public final class JsonResponses {

    private static final Jsonb JSONB = JsonbBuilder.create(new JsonbConfig().withNullValues(false));
    private static final JsonGeneratorFactory GENERATORS = JsonP.JSON.createGeneratorFactory(Map.of());

    private JsonResponses() {
    }

    public static void send(ServerResponse res, Status status, Object body) {
        send(res, status, json(body));
    }

    public static void ok(ServerResponse res, Object body) {
        send(res, Status.OK_200, body);
    }

    /** The body as {@link #send} writes it, for answers kept and sent again. */
    public static byte[] json(Object body) {
        return JSONB.toJson(body).getBytes(StandardCharsets.UTF_8);
    }

    public static void send(ServerResponse res, Status status, byte[] json) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json);
    }

    /**
     * A 200 whose body {@code writer} writes through a streaming generator: for the largest answers (a 10,000-item
     * stock update's results), where JSON-B's reflection and its cycle check, which hashes every
     * record deeply at every level, cost more than writing the JSON (decision 21). The writer must produce what JSON-B
     * makes of the resource records (tests compare the two). The body goes out as it is written (chunked): held whole,
     * a page of several megabytes was a humongous allocation that started a concurrent G1 cycle on every request.
     */
    public static void okStreamed(ServerResponse res, Consumer<JsonGenerator> writer) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try (JsonGenerator generator = GENERATORS.createGenerator(new Utf8Chunks(res.outputStream()))) {
            writer.accept(generator);
        }
    }

    /** Writes JSON, encoded in UTF-8, to a response body. */
    @FunctionalInterface
    public interface JsonBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * A 200 whose body is JSON already encoded in UTF-8, written as it is and sent in chunks as {@link #okStreamed}
     * sends: for a page whose entries PostgreSQL already wrote as JSON (decisions 104 and 112), passed on as the bytes
     * the database sent, never decoded into strings. It must be what JSON-B makes of the resource records.
     */
    public static void okStreamedBytes(ServerResponse res, JsonBytes json) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try (OutputStream out = new BufferedOutputStream(res.outputStream(), Utf8Chunks.CHUNK)) {
            json.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Encodes characters to UTF-8 a chunk at a time with {@link String#getBytes}: the generator's own stream encoder
     * took a slow path on every non-ASCII character (a tenth of a feed page's time with Japanese titles).
     */
    static final class Utf8Chunks extends Writer {
        static final int CHUNK = 32 * 1024;
        private final OutputStream out;
        private final StringBuilder pending = new StringBuilder(CHUNK + 1024);

        Utf8Chunks(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(char[] chars, int offset, int length) throws IOException {
            pending.append(chars, offset, length);
            if (pending.length() >= CHUNK) {
                encode(false);
            }
        }

        @Override
        public void write(String text, int offset, int length) throws IOException {
            pending.append(text, offset, offset + length);
            if (pending.length() >= CHUNK) {
                encode(false);
            }
        }

        /** Writes what is pending, but keeps a trailing high surrogate for its pair unless this is the end. */
        private void encode(boolean end) throws IOException {
            int upTo = !end && Character.isHighSurrogate(pending.charAt(pending.length() - 1))
                    ? pending.length() - 1 : pending.length();
            out.write(pending.substring(0, upTo).getBytes(StandardCharsets.UTF_8));
            pending.delete(0, upTo);
        }

        @Override
        public void flush() throws IOException {
            // Bytes go out a chunk at a time and at close; flushing in between would only make chunks smaller.
        }

        @Override
        public void close() throws IOException {
            if (!pending.isEmpty()) {
                encode(true);
            }
            out.close();
        }
    }
}
