package dev.marketplace.server.platform.contact;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonFields;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An e-mail address of a customer or a merchant's contact: one {@code @}, no spaces, a dot in the domain, at most 64
 * characters before the {@code @} (RFC 5321), at most 254 in all. Normalised to lower case: the marketplace treats
 * addresses as case-insensitive (a customer signs in with any case). The OpenAPI document's {@code email} properties
 * repeat {@link #PATTERN} and the lengths (ContactRulesAgreementTest).
 */
public record EmailAddress(String value) {

    public static final int MIN_LENGTH = 3;
    public static final int MAX_LENGTH = 254;
    public static final Pattern PATTERN = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");

    public EmailAddress {
        if (value == null || value.length() < MIN_LENGTH || value.length() > MAX_LENGTH
                || !PATTERN.matcher(value).matches()) {
            throw new IllegalArgumentException("not an e-mail address");
        }
        value = normalised(value);
    }

    /** The form addresses are stored and looked up in. */
    public static String normalised(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    /** The required field {@code name}, or null with its error collected. */
    public static EmailAddress required(JsonFields fields, String name) {
        String text = fields.requiredString(name, MIN_LENGTH, MAX_LENGTH);
        if (text == null) {
            return null;
        }
        if (!PATTERN.matcher(text).matches()) {
            fields.reject(name, FieldError.INVALID_FORMAT, "must be an email address");
            return null;
        }
        return new EmailAddress(text);
    }

    @Override
    public String toString() {
        return "EmailAddress[…]";
    }
}
