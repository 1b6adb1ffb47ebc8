package dev.marketplace.server.platform.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads an {@code application/x-www-form-urlencoded} body (the OAuth endpoints' format). Names and values that break
 * {@link StorableText}'s rule, and values longer than {@link StorableText#MAX_PARAMETER_LENGTH}, are refused
 * (400 {@code validation_failed} naming them).
 */
public final class FormBody {

    private FormBody() {
    }

    /** Every parameter with all its values, in order; 415 when the body is not a form. */
    public static Map<String, List<String>> read(ServerRequest req) {
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        if (contentType == null || !contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT)
                .equals("application/x-www-form-urlencoded")) {
            throw new ProblemException(415, "unsupported_media_type", "Unsupported Media Type",
                    "The body must be application/x-www-form-urlencoded.");
        }
        String body = new String(RequestBodies.readAll(req), StandardCharsets.UTF_8);
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
        }
        List<FieldError> errors = new ArrayList<>();
        parameters.forEach((name, values) -> {
            if (!StorableText.isStorable(name) || !values.stream().allMatch(StorableText::isStorable)) {
                errors.add(StorableText.refusal(name));
            } else if (StorableText.tooLong(name, values) instanceof FieldError tooLong) {
                errors.add(tooLong);
            }
        });
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
