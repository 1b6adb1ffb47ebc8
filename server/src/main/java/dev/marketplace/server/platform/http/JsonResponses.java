package dev.marketplace.server.platform.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import java.io.ByteArrayOutputStream;
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
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSONB.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    public static void ok(ServerResponse res, Object body) {
        send(res, Status.OK_200, body);
    }

    /**
     * A 200 whose body {@code writer} writes through a streaming generator: for the largest answers (a 10,000-item
     * stock update, a feed page of 1,000 products), where JSON-B's reflection and its cycle check, which hashes every
     * record deeply at every level, cost more than writing the JSON (decision 21). The writer must produce what JSON-B
     * makes of the resource records (tests compare the two).
     */
    public static void okStreamed(ServerResponse res, Consumer<JsonGenerator> writer) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        try (JsonGenerator generator = GENERATORS.createGenerator(body, StandardCharsets.UTF_8)) {
            writer.accept(generator);
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body.toByteArray());
    }
}
