package dev.marketplace.server.platform.contact;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonFields;
import java.util.regex.Pattern;

/**
 * The postal part of an address, as customers, merchants and shipping addresses share it: an ISO 3166-1 alpha-2
 * country in capitals, a postal code, a region (prefecture, state or province), a locality (city, ward or town; a
 * customer's address calls it {@code city}) and one or two lines. Each domain adds its own parts (a recipient, a
 * label, a phone) and seals it with its other personal data. The OpenAPI document's address schemas repeat these
 * limits (ContactRulesAgreementTest).
 *
 * <p>The rule holds in the domain, not only at the HTTP edge: an address that breaks it cannot be made.
 *
 * @param line2 null when absent
 */
public record PostalAddress(String country, String postalCode, String region, String locality, String line1,
                            String line2) {

    public static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    public static final int POSTAL_CODE_MAX = 20;
    public static final int REGION_MAX = 100;
    public static final int LOCALITY_MAX = 100;
    public static final int LINE_MAX = 200;

    public PostalAddress {
        if (country == null || !COUNTRY.matcher(country).matches() || !filled(postalCode, POSTAL_CODE_MAX)
                || !filled(region, REGION_MAX) || !filled(locality, LOCALITY_MAX) || !filled(line1, LINE_MAX)
                || (line2 != null && !filled(line2, LINE_MAX))) {
            throw new IllegalArgumentException("not a postal address");
        }
    }

    private static boolean filled(String text, int max) {
        return text != null && !text.isEmpty() && text.length() <= max;
    }

    /** The fields of an address object, the locality named {@code localityField}; null with the errors collected. */
    public static PostalAddress read(JsonFields fields, String localityField) {
        String country = fields.requiredString("country", 2, 2);
        if (country != null && !COUNTRY.matcher(country).matches()) {
            fields.reject("country", FieldError.INVALID_FORMAT, "must be an ISO 3166-1 alpha-2 code in capitals, such as JP");
            country = null;
        }
        String postalCode = fields.requiredString("postalCode", 1, POSTAL_CODE_MAX);
        String region = fields.requiredString("region", 1, REGION_MAX);
        String locality = fields.requiredString(localityField, 1, LOCALITY_MAX);
        String line1 = fields.requiredString("line1", 1, LINE_MAX);
        String line2 = fields.nullableString("line2", 1, LINE_MAX).orElse(null);
        if (country == null || postalCode == null || region == null || locality == null || line1 == null) {
            return null;
        }
        return new PostalAddress(country, postalCode, region, locality, line1, line2);
    }
}
