package dev.marketplace.server.platform.http;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Renders a {@link ProblemException} as an RFC 9457 {@code application/problem+json} document. */
public final class ProblemResponses {

    public static final String MEDIA_TYPE = "application/problem+json";
    /** Problem types are URNs: stable names that need no documentation server to resolve. */
    public static final String TYPE_PREFIX = "urn:problem:marketplace:";

    private ProblemResponses() {
    }

    public static void send(ServerRequest req, ServerResponse res, ProblemException problem) {
        RequestBodies.discardUnread(req);
        res.status(Status.create(problem.status()));
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        problem.headers().forEach(res::header);
        res.send(body(problem, RequestIds.of(req), req.path().absolute().path()));
    }

    public static byte[] body(ProblemException problem, String requestId, String instance) {
        JsonObjectBuilder json = JSON.createObjectBuilder()
                .add("type", TYPE_PREFIX + problem.code())
                .add("title", problem.title())
                .add("status", problem.status())
                .add("code", problem.code());
        if (problem.detail() != null) {
            json.add("detail", problem.detail());
        }
        if (instance != null && !instance.isEmpty()) {
            json.add("instance", instance);
        }
        json.add("requestId", requestId);
        if (!problem.errors().isEmpty()) {
            JsonArrayBuilder errors = JSON.createArrayBuilder();
            problem.errors().forEach(error -> errors.add(JSON.createObjectBuilder()
                    .add("field", error.field())
                    .add("code", error.code())
                    .add("message", error.message())));
            json.add("errors", errors);
        }
        for (Map.Entry<String, Object> extension : problem.extensions().entrySet()) {
            switch (extension.getValue()) {
                case Long number -> json.add(extension.getKey(), number);
                case Integer number -> json.add(extension.getKey(), number);
                case List<?> values -> json.add(extension.getKey(), JSON.createArrayBuilder(values)); // numbers or strings
                default -> json.add(extension.getKey(), String.valueOf(extension.getValue()));
            }
        }
        return json.build().toString().getBytes(StandardCharsets.UTF_8);
    }
}
