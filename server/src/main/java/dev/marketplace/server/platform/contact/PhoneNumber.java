package dev.marketplace.server.platform.contact;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonFields;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A telephone number as customers, merchants and shipping addresses give it: digits, spaces, parentheses and dashes,
 * optionally after a leading {@code +}, starting and ending with a digit; kept as written (carriers print it). The
 * one rule: the OpenAPI document's {@code phone} properties repeat {@link #PATTERN} and the lengths
 * (ContactRulesAgreementTest).
 */
public record PhoneNumber(String value) {

    public static final int MIN_LENGTH = 5;
    public static final int MAX_LENGTH = 30;
    public static final Pattern PATTERN = Pattern.compile("\\+?[0-9][0-9 ()-]{3,28}[0-9]");
    static final String RULE = "must be digits, spaces, parentheses and dashes, optionally after a leading +";

    public PhoneNumber {
        if (!isValid(value)) {
            throw new IllegalArgumentException("not a phone number");
        }
    }

    public static boolean isValid(String text) {
        return text != null && text.length() >= MIN_LENGTH && text.length() <= MAX_LENGTH
                && PATTERN.matcher(text).matches();
    }

    /** The required field {@code name}, or null with its error collected. */
    public static PhoneNumber required(JsonFields fields, String name) {
        String text = fields.requiredString(name, MIN_LENGTH, MAX_LENGTH);
        return text == null ? null : checked(fields, name, text);
    }

    /** The field {@code name}, empty when absent or null; an invalid one is collected as an error (and empty). */
    public static Optional<PhoneNumber> nullable(JsonFields fields, String name) {
        return fields.nullableString(name, MIN_LENGTH, MAX_LENGTH).map(text -> checked(fields, name, text));
    }

    private static PhoneNumber checked(JsonFields fields, String name, String text) {
        if (!PATTERN.matcher(text).matches()) {
            fields.reject(name, FieldError.INVALID_FORMAT, RULE);
            return null;
        }
        return new PhoneNumber(text);
    }

    @Override
    public String toString() {
        return "PhoneNumber[…]";
    }
}
