package dev.marketplace.server.platform.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import java.nio.charset.StandardCharsets;

/** Writes response bodies as JSON (JSON-B over Java records; absent values are left out). */
public final class JsonResponses {

    private static final Jsonb JSONB = JsonbBuilder.create(new JsonbConfig().withNullValues(false));

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
}
