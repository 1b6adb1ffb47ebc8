package dev.marketplace.server.payments;

import dev.marketplace.server.platform.money.Money;

/**
 * A payment as the provider sees it. {@code declineCode} is set only when declined (e.g. {@code card_declined},
 * {@code insufficient_funds}).
 */
public record ProviderPayment(String id, Status status, Money authorized, Money captured, Money refunded, String declineCode) {

    public enum Status {
        /** Accepted, result to follow by webhook. */
        PENDING,
        AUTHORIZED,
        CAPTURED,
        DECLINED,
        VOIDED
    }
}
