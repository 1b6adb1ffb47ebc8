package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.contact.PostalAddress;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The contact value types hold in the domain: a checkout or partner order cannot be asked to ship anywhere invalid. */
class CheckoutRequestTest {

    private static final Order.ShippingAddress VALID = new Order.ShippingAddress("Sato Yui", "JP", "150-0001",
            "Tokyo", "Shibuya-ku", "1-2-3 Jingumae", null, "+81 3-1234-5678");

    @Test
    void aCheckoutRequestTakesOnlyAnAddressAnOrderMayShipTo() {
        assertThat(request(VALID).address()).isEqualTo(VALID);
        for (Order.ShippingAddress invalid : List.of(
                new Order.ShippingAddress("", "JP", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3", null, "+81 3-1234-5678"),
                new Order.ShippingAddress("Sato", "jp", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3", null, "+81 3-1234-5678"),
                new Order.ShippingAddress("Sato", "JP", "", "Tokyo", "Shibuya-ku", "1-2-3", null, "+81 3-1234-5678"),
                new Order.ShippingAddress("Sato", "JP", "150-0001", "Tokyo", "x".repeat(101), "1-2-3", null, "+81 3"),
                new Order.ShippingAddress("Sato", "JP", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3", null, "+81 3-"),
                // What an erased customer's order reads back is not an address to ship to.
                new Order.ShippingAddress("(erased)", "JP", "(erased)", "(erased)", "(erased)", "(erased)", null,
                        "(erased)"))) {
            assertThatThrownBy(() -> request(invalid)).as(invalid.toString())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aPostalAddressCannotBeMadeOutsideItsRule() {
        assertThat(new PostalAddress("JP", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3", null).country()).isEqualTo("JP");
        assertThatThrownBy(() -> new PostalAddress("JPN", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PostalAddress("JP", "1".repeat(PostalAddress.POSTAL_CODE_MAX + 1), "Tokyo",
                "Shibuya-ku", "1-2-3", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PostalAddress("JP", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3", ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static CheckoutRequest request(Order.ShippingAddress address) {
        return new CheckoutRequest(UUID.randomUUID(), address, 0, List.of(), Optional.empty());
    }
}
