package dev.marketplace.server.customers;

import java.util.UUID;

/**
 * The seam through which other domains (orders, points) add what they store about a customer to the
 * customer's export: one named section each, any JSON-B-serialisable value.
 */
public interface CustomerDataExporter {

    String section();

    Object export(UUID customerId);
}
