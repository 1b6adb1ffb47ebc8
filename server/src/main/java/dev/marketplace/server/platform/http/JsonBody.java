package dev.marketplace.server.platform.http;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import jakarta.json.JsonArray;
import jakarta.json.JsonConfig;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a request body that must be one JSON object, answering every way it can be wrong with a problem: not JSON,
 * more than one value, nested deeper than {@value #MAX_DEPTH} levels, or strings (values and member names) that break
 * {@link StorableText}'s rule, each named like {@link JsonFields} names fields ({@code contact/email}).
 */
public final class JsonBody {

    /**
     * How deep objects and arrays may nest; our deepest requests need five levels. Without a bound the parser gave up
     * at 1,000 levels with an exception that became a 500 and a stack trace in the log, for a 2 KB body.
     */
    public static final int MAX_DEPTH = 32;

    // Duplicate member names are refused rather than silently resolved to one of the values.
    private static final JsonReaderFactory READERS =
            JSON.createReaderFactory(Map.of(JsonConfig.KEY_STRATEGY, JsonConfig.KeyStrategy.NONE));
    private static final JsonParserFactory PARSERS = JSON.createParserFactory(Map.of());

    private JsonBody() {
    }

    public static JsonObject readObject(ServerRequest req) {
        byte[] bytes = readJson(req);
        Idempotency.admit(req, bytes);
        return parseObject(bytes);
    }

    /**
     * The body, parsed, before the request's Idempotency-Key is claimed: for a handler that may refuse the request
     * from memory, changing nothing, before it claims the key with {@link #claimIdempotencyKey} (decision 79).
     */
    public static JsonObject readObjectBeforeClaim(ServerRequest req) {
        byte[] bytes = readJson(req);
        req.context().register(new Unclaimed(bytes));
        return parseObject(bytes);
    }

    /** Claims the Idempotency-Key (if any) of a request read by {@link #readObjectBeforeClaim}. */
    public static void claimIdempotencyKey(ServerRequest req) {
        Idempotency.admit(req, req.context().get(Unclaimed.class).orElseThrow().body());
    }

    private record Unclaimed(byte[] body) {
    }

    private static byte[] readJson(ServerRequest req) {
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        if (!isJson(contentType)) {
            throw ProblemException.unsupportedMediaType(contentType);
        }
        return RequestBodies.readAll(req);
    }

    /** {@code bytes} as one JSON object, refused as a request body is: for bodies read whole first (signed webhooks). */
    public static JsonObject parseObject(byte[] bytes) {
        if (bytes.length == 0) {
            throw ProblemException.malformedJson("The body is empty; a JSON object is expected.");
        }
        JsonValue value;
        try {
            checkStructure(bytes);
            try (JsonReader reader = READERS.createReader(new ByteArrayInputStream(bytes))) {
                value = reader.readValue();
            }
        } catch (JsonParsingException e) {
            throw ProblemException.malformedJson("The body is not valid JSON (line " + e.getLocation().getLineNumber()
                    + ", column " + e.getLocation().getColumnNumber() + ").");
        } catch (JsonException e) {
            throw ProblemException.malformedJson("The body is not valid JSON.");
        } catch (UnsupportedOperationException e) {
            // Parsson's bound on a number's digits (1,100), thrown as this rather than a JsonException (found by
            // SpecFuzzingIT: a 5,000-digit number was a 500).
            throw ProblemException.malformedJson("The body has a number with too many digits.");
        }
        if (!(value instanceof JsonObject object)) {
            throw ProblemException.malformedJson("The body must be a JSON object.");
        }
        List<FieldError> errors = new ArrayList<>();
        collectUnstorable(object, "", errors);
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        return object;
    }

    /**
     * A streaming pass before the tree is built: refuses nesting deeper than {@value #MAX_DEPTH} and content after
     * the first value (which the reader would ignore).
     */
    private static void checkStructure(byte[] bytes) {
        try (JsonParser parser = PARSERS.createParser(new ByteArrayInputStream(bytes))) {
            int depth = 0;
            do {
                switch (parser.next()) {
                    case START_OBJECT, START_ARRAY -> {
                        if (++depth > MAX_DEPTH) {
                            throw ProblemException.jsonTooDeep(MAX_DEPTH);
                        }
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    default -> {
                    }
                }
            } while (depth > 0);
            if (parser.hasNext()) {
                throw ProblemException.malformedJson("The body has more after its JSON object.");
            }
        }
    }

    private static void collectUnstorable(JsonValue value, String field, List<FieldError> errors) {
        switch (value) {
            case JsonString string when !StorableText.isStorable(string.getString()) ->
                    errors.add(StorableText.refusal(field));
            case JsonObject object -> object.forEach((name, member) -> {
                if (StorableText.isStorable(name)) {
                    collectUnstorable(member, member(field, name), errors);
                } else {
                    errors.add(StorableText.refusal(member(field, name)));
                }
            });
            case JsonArray array -> {
                for (int i = 0; i < array.size(); i++) {
                    collectUnstorable(array.get(i), member(field, Integer.toString(i)), errors);
                }
            }
            default -> {
            }
        }
    }

    private static String member(String field, String name) {
        return field.isEmpty() ? name : field + "/" + name;
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json");
    }
}
