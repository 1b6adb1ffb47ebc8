package dev.marketplace.server.customers;

/** A delivery address; stored sealed with the customer's other personal data. */
public record Address(String label, String recipientName, String postalCode, String country, String region,
                      String city, String line1, String line2) {
}
