package dev.marketplace.server.customers;

import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The seam through which other domains (orders, later points) take part in a customer's privacy requests: what they
 * store about the customer goes into the export as one named section (any JSON-B-serialisable value), and an
 * erasure removes or anonymises their personal data in the erasure's own transaction.
 */
public interface CustomerDataHolder {

    String section();

    Object export(UUID customerId);

    /**
     * Runs inside the transaction that erases the customer: anonymise what identifies the person while keeping what
     * the books need. Throwing a {@code ProblemException} refuses the whole erasure (nothing changes).
     */
    void erase(DSLContext tx, UUID customerId);
}
