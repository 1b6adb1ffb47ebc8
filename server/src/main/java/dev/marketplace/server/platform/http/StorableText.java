package dev.marketplace.server.platform.http;

import io.helidon.common.parameters.Parameters;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * The one rule for text a client sends: PostgreSQL cannot store NUL in text, and a string with an unpaired UTF-16
 * surrogate (from a JSON escape such as {@code \ud800}) is not valid Unicode and cannot be encoded to UTF-8.
 * Such text is refused as 400 {@code validation_failed} naming the field, before it reaches a query (where it was a
 * 500, or a 503 that told clients to retry).
 *
 * <p>As a filter it applies the rule to every request's path and query parameters, before any handler; the body
 * readers ({@link JsonBody}, {@link FormBody}) apply it to every string of a body (decision 23).
 */
public final class StorableText implements Filter {

    public static final String RULE = "must not contain NUL characters or unpaired surrogates";

    /**
     * The longest value of a query or form parameter that states no limit of its own (a registered redirect URI's
     * length); the document gives every such parameter this {@code maxLength} (decision 26).
     */
    public static final int MAX_PARAMETER_LENGTH = 2000;

    /** Whether PostgreSQL can store {@code text}: no NUL, and every surrogate in a pair. */
    public static boolean isStorable(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    /** The error for a field whose value breaks the rule. */
    public static FieldError refusal(String field) {
        return new FieldError(printable(field), FieldError.INVALID_FORMAT, RULE);
    }

    /** The error for a parameter whose value is longer than {@link #MAX_PARAMETER_LENGTH}, or null when none is. */
    static FieldError tooLong(String name, List<String> values) {
        return values.stream().anyMatch(value -> value.codePointCount(0, value.length()) > MAX_PARAMETER_LENGTH)
                ? new FieldError(printable(name), FieldError.TOO_LONG, "must have at most " + MAX_PARAMETER_LENGTH + " characters")
                : null;
    }

    /** A name as it can be shown in an answer: characters that break the rule written as {@code \u0000}. */
    static String printable(String name) {
        if (isStorable(name)) {
            return name;
        }
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1));
            if (paired) {
                shown.append(c).append(name.charAt(++i));
            } else if (c == 0 || Character.isSurrogate(c)) {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        return shown.toString();
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        List<FieldError> errors = new ArrayList<>();
        String path = req.path().absolute().path();
        if (!isStorable(path)) {
            errors.add(refusal(pathField(CanonicalPaths.operation(req).path(), path)));
        }
        Parameters query = req.query();
        for (String name : query.names()) {
            if (!isStorable(name) || !query.all(name).stream().allMatch(StorableText::isStorable)) {
                errors.add(refusal(name));
            } else if (tooLong(name, query.all(name)) instanceof FieldError tooLong) {
                errors.add(tooLong);
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        chain.proceed();
    }

    /**
     * The name of the path parameter whose segment breaks the rule, from the template of the operation
     * {@link CanonicalPaths} resolved the request to; "path" for a literal segment.
     */
    private static String pathField(String template, String path) {
        String[] names = template.split("/", -1);
        String[] segments = path.split("/", -1);
        for (int i = 0; i < Math.min(names.length, segments.length); i++) {
            if (!isStorable(segments[i]) && names[i].startsWith("{") && names[i].endsWith("}")) {
                return names[i].substring(1, names[i].length() - 1);
            }
        }
        return "path";
    }
}
