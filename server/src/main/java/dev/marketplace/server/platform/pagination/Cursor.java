package dev.marketplace.server.platform.pagination;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * An opaque position in a list ordered by some keys: the sort-key values of the last item of a page.
 * Encoded as base64url JSON so that clients treat it as a token, not as something to build.
 */
public record Cursor(List<String> keys) {

    /** The longest cursor a list accepts (the OpenAPI document's {@code maxLength}); ours are far shorter. */
    public static final int MAX_LENGTH = 1024;

    public Cursor {
        keys = List.copyOf(keys);
    }

    public static Cursor of(String... keys) {
        return new Cursor(List.of(keys));
    }

    public String encode() {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        keys.forEach(array::add);
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(array.build().toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The cursor a client sent, or empty when it is not one this server made for a list whose cursor holds
     * {@code keys}: as many strings as keys, each of its kind.
     */
    public static Optional<Cursor> decode(String token, List<CursorKey> keys) {
        try {
            String json = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            try (JsonReader reader = JSON.createReader(new StringReader(json))) {
                JsonArray array = reader.readArray();
                if (array.size() != keys.size()) {
                    return Optional.empty();
                }
                List<String> values = new ArrayList<>(keys.size());
                for (int i = 0; i < keys.size(); i++) {
                    if (!(array.get(i) instanceof JsonString string) || !keys.get(i).accepts(string.getString())) {
                        return Optional.empty();
                    }
                    values.add(string.getString());
                }
                return Optional.of(new Cursor(values));
            }
        } catch (IllegalArgumentException | JsonException e) {
            return Optional.empty();
        }
    }
}
