package dev.marketplace.server.platform.contact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.SpecDocument;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The OpenAPI document states the contact value types' rules: one rule, written twice, checked to agree. */
class ContactRulesAgreementTest {

    private final OpenAPI api = SpecDocument.resolved();

    @Test
    void everyEmailInputHasTheEmailAddressRule() {
        for (String schema : new String[] {"MerchantContact", "CustomerRegistration", "PasswordResetRequest"}) {
            assertRule(schema, "email", EmailAddress.MIN_LENGTH, EmailAddress.MAX_LENGTH, EmailAddress.PATTERN);
        }
    }

    @Test
    void everyPhoneInputHasThePhoneNumberRule() {
        for (String schema : new String[] {"MerchantContact", "CustomerRegistration", "CustomerUpdate"}) {
            assertRule(schema, "phone", PhoneNumber.MIN_LENGTH, PhoneNumber.MAX_LENGTH, PhoneNumber.PATTERN);
        }
        // Answered too, where an erased order's address shows "(erased)": the lengths, not the pattern.
        assertRule("ShippingAddress", "phone", PhoneNumber.MIN_LENGTH, PhoneNumber.MAX_LENGTH, null);
    }

    @Test
    void everyAddressHasThePostalAddressLimits() {
        for (String[] schema : new String[][] {{"MerchantAddress", "locality"}, {"ShippingAddress", "locality"},
                {"CustomerAddress", "city"}}) {
            assertRule(schema[0], "country", null, 2, PostalAddress.COUNTRY); // the pattern sets the least
            assertRule(schema[0], "postalCode", 1, PostalAddress.POSTAL_CODE_MAX, null);
            assertRule(schema[0], "region", 1, PostalAddress.REGION_MAX, null);
            assertRule(schema[0], schema[1], 1, PostalAddress.LOCALITY_MAX, null);
            assertRule(schema[0], "line1", 1, PostalAddress.LINE_MAX, null);
            assertRule(schema[0], "line2", 1, PostalAddress.LINE_MAX, null);
        }
    }

    private void assertRule(String schema, String property, Integer min, int max, Pattern pattern) {
        Schema<?> field = (Schema<?>) api.getComponents().getSchemas().get(schema).getProperties().get(property);
        String where = schema + "." + property;
        assertThat(field).as(where).isNotNull();
        assertThat(field.getMinLength()).as(where + " minLength").isEqualTo(min);
        assertThat(field.getMaxLength()).as(where + " maxLength").isEqualTo(max);
        assertThat(field.getPattern()).as(where + " pattern")
                .isEqualTo(pattern == null ? null : "^" + pattern.pattern() + "$");
    }
}
