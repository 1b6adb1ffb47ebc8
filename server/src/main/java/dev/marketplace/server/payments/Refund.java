package dev.marketplace.server.payments;

import dev.marketplace.server.platform.money.Money;
import java.util.UUID;

/**
 * A refund of part of a payment as we keep it: {@code attempts} counts the provider's definite refusals,
 * {@code retries} the operator's retries of it once it failed (decision 60).
 */
public record Refund(UUID id, UUID paymentId, UUID subOrderId, Money amount, String status, int attempts, int retries,
                     String failureCode) {

    public static final String FAILED = "failed";
}
