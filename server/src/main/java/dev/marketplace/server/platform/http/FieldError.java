package dev.marketplace.server.platform.http;

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
}
