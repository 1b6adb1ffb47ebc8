package dev.marketplace.server.platform.http;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import jakarta.json.JsonConfig;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;

import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayInputStream;
import java.util.Locale;
import java.util.Map;

/** Reads a request body that must be one JSON object, answering every way it can be wrong with a problem. */
public final class JsonBody {

    // Duplicate member names are refused rather than silently resolved to one of the values.
    private static final JsonReaderFactory READERS =
            JSON.createReaderFactory(Map.of(JsonConfig.KEY_STRATEGY, JsonConfig.KeyStrategy.NONE));
    private static final JsonParserFactory PARSERS = JSON.createParserFactory(Map.of());

    private JsonBody() {
    }

    public static JsonObject readObject(ServerRequest req) {
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        if (!isJson(contentType)) {
            throw ProblemException.unsupportedMediaType(contentType);
        }
        byte[] bytes = RequestBodies.readAll(req);
        Idempotency.admit(req, bytes);
        if (bytes.length == 0) {
            throw ProblemException.malformedJson("The body is empty; a JSON object is expected.");
        }
        JsonValue value;
        try (JsonReader reader = READERS.createReader(new ByteArrayInputStream(bytes))) {
            value = reader.readValue();
            if (value instanceof JsonObject && hasTrailingContent(bytes)) {
                throw ProblemException.malformedJson("The body has more after its JSON object.");
            }
        } catch (JsonParsingException e) {
            throw ProblemException.malformedJson("The body is not valid JSON (line " + e.getLocation().getLineNumber()
                    + ", column " + e.getLocation().getColumnNumber() + ").");
        } catch (JsonException e) {
            throw ProblemException.malformedJson("The body is not valid JSON.");
        }
        if (!(value instanceof JsonObject object)) {
            throw ProblemException.malformedJson("The body must be a JSON object.");
        }
        return object;
    }

    /** The reader stops after the first value and ignores what follows; a streaming pass notices it. */
    private static boolean hasTrailingContent(byte[] object) {
        try (JsonParser parser = PARSERS.createParser(new ByteArrayInputStream(object))) {
            parser.next();
            parser.skipObject();
            return parser.hasNext();
        }
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json");
    }
}
