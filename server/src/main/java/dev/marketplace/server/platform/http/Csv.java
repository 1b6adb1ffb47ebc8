package dev.marketplace.server.platform.http;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * The one way a resource answers CSV (RFC 4180) beside JSON: the client asks for it with {@code Accept: text/csv},
 * the answer is {@code text/csv; charset=utf-8} with CRLF line ends.
 */
public final class Csv {

    private static final String MEDIA_TYPE = "text/csv";
    private static final String CONTENT_TYPE = MEDIA_TYPE + "; charset=utf-8";
    /** Large enough that a statement of thousands of lines reaches the client in a few writes. */
    private static final int BUFFER = 64 * 1024;

    private Csv() {
    }

    /** Whether the client prefers CSV to JSON: {@code text/csv} listed and JSON not listed before it. */
    public static boolean preferred(ServerRequest req) {
        for (HttpMediaType type : req.headers().acceptedTypes()) {
            String text = type.mediaType().text();
            if (text.equals(MEDIA_TYPE)) {
                return true;
            }
            if (text.equals(MediaTypes.APPLICATION_JSON.text())) {
                return false;
            }
        }
        return false;
    }

    /** Answers 200 with {@code csv}, the whole document. */
    public static void send(ServerResponse res, String csv) {
        start(res);
        res.send(csv.getBytes(StandardCharsets.UTF_8));
    }

    /** Answers 200 and hands out a buffered writer straight to the client, for a document read as it is written. */
    public static Writer writer(ServerResponse res) {
        start(res);
        return new BufferedWriter(new OutputStreamWriter(res.outputStream(), StandardCharsets.UTF_8), BUFFER);
    }

    /** A field as RFC 4180 has it: one with a comma, quote or line break is quoted, its quotes doubled. */
    public static String field(String value) {
        if (value.chars().anyMatch(c -> c == ',' || c == '"' || c == '\r' || c == '\n')) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }

    private static void start(ServerResponse res) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
    }
}
