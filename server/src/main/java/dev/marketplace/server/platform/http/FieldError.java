package dev.marketplace.server.platform.http;

import java.util.Collection;
import java.util.TreeSet;

/**
 * One offending field of a rejected request: where ({@code name}, {@code parentId}, {@code limit}),
 * a stable code, and a sentence for people.
 */
public record FieldError(String field, String code, String message) {

    public static final String REQUIRED = "required";
    public static final String INVALID_TYPE = "invalid_type";
    public static final String INVALID_FORMAT = "invalid_format";
    public static final String TOO_SHORT = "too_short";
    public static final String TOO_LONG = "too_long";
    public static final String OUT_OF_RANGE = "out_of_range";
    public static final String UNKNOWN_FIELD = "unknown_field";
    public static final String NOT_FOUND = "not_found";
    public static final String DUPLICATE = "duplicate";

    /** The documented bound of a message (the spec's {@code FieldError.message}). */
    static final int MESSAGE_MAX = 500;

    /**
     * The message for a value outside a closed set: the allowed values in order, or, when they would not fit the
     * message's documented length (42 scopes do not), how many there are and where they are listed.
     */
    public static String oneOf(Collection<String> allowed) {
        String all = "must be one of " + String.join(", ", new TreeSet<>(allowed));
        return all.length() <= MESSAGE_MAX ? all
                : "must be one of the " + allowed.size() + " values the API reference lists for this field";
    }
}
