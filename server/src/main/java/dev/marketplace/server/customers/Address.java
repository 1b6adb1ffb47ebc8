package dev.marketplace.server.customers;

import dev.marketplace.server.platform.contact.PostalAddress;

/** A delivery address; stored sealed with the customer's other personal data. */
public record Address(String label, String recipientName, String postalCode, String country, String region,
                      String city, String line1, String line2) {

    /** Refuses (IllegalArgumentException) an address whose postal part breaks {@link PostalAddress}'s rule. */
    void requireValid() {
        new PostalAddress(country, postalCode, region, city, line1, line2);
    }
}
