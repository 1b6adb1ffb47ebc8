package dev.marketplace.server.platform.contact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonFields;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

class ContactValuesTest {

    private static JsonFields fields(JsonObject object) {
        return JsonFields.of(object, object.keySet().toArray(String[]::new));
    }

    @Test
    void aPhoneIsDigitsSpacesParenthesesAndDashesBetweenDigitsKeptAsWritten() {
        assertThat(PhoneNumber.isValid("+81 3-1234-5678")).isTrue();
        assertThat(PhoneNumber.isValid("(03) 1234 5678")).as("starts with a digit or +").isFalse();
        assertThat(PhoneNumber.isValid("03-1234-")).as("ends with a digit").isFalse();
        assertThat(PhoneNumber.isValid("0312")).as("five characters at least").isFalse();
        assertThat(PhoneNumber.isValid("0".repeat(31))).isFalse();
        assertThat(new PhoneNumber("+81 3-1234-5678").value()).isEqualTo("+81 3-1234-5678");
        assertThat(new PhoneNumber("03-1234-5678")).hasToString("PhoneNumber[…]");

        JsonFields body = fields(Json.createObjectBuilder().add("phone", "  03-1234-5678 ").add("fax", "call me")
                .addNull("mobile").build());
        assertThat(PhoneNumber.required(body, "phone")).isEqualTo(new PhoneNumber("03-1234-5678"));
        assertThat(PhoneNumber.nullable(body, "mobile")).isEmpty();
        assertThat(PhoneNumber.nullable(body, "fax")).isEmpty();
        assertThat(body.errors()).singleElement().satisfies(error -> {
            assertThat(error.field()).isEqualTo("fax");
            assertThat(error.code()).isEqualTo(FieldError.INVALID_FORMAT);
        });
    }

    @Test
    void anEmailHasOneAtNoSpacesADottedDomainAndIsKeptInLowerCase() {
        assertThat(new EmailAddress("Hanako@Kyoto-Tea.example").value()).isEqualTo("hanako@kyoto-tea.example");
        assertThatThrownBy(() -> new EmailAddress("hanako@localhost")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EmailAddress("a".repeat(65) + "@example.jp"))
                .as("64 characters before the @ at most").isInstanceOf(IllegalArgumentException.class);

        JsonFields body = fields(Json.createObjectBuilder().add("email", "Sato@Example.JP").add("contact", "sato at example")
                .build());
        assertThat(EmailAddress.required(body, "email").value()).isEqualTo("sato@example.jp");
        assertThat(EmailAddress.required(body, "contact")).isNull();
        assertThat(EmailAddress.required(body, "missing")).isNull();
        assertThat(body.errors()).extracting(FieldError::field).containsExactly("contact", "missing");
    }

    @Test
    void aPostalAddressNeedsACapitalCountryAndItsLinesWithinTheirLimits() {
        JsonFields good = fields(Json.createObjectBuilder().add("country", "JP").add("postalCode", "150-0001")
                .add("region", "Tokyo").add("city", "Shibuya-ku").add("line1", "1-2-3 Jingumae").addNull("line2").build());
        assertThat(PostalAddress.read(good, "city"))
                .isEqualTo(new PostalAddress("JP", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3 Jingumae", null));
        assertThat(good.errors()).isEmpty();

        JsonFields bad = fields(Json.createObjectBuilder().add("country", "jp").add("postalCode", "1".repeat(21))
                .add("region", "Tokyo").add("locality", "Shibuya-ku").build());
        assertThat(PostalAddress.read(bad, "locality")).isNull();
        assertThat(bad.errors()).extracting(FieldError::field).containsExactly("country", "postalCode", "line1");
    }
}
