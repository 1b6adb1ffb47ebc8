package dev.marketplace.server.payments;

import dev.marketplace.server.platform.money.Money;

/** A refund as the provider sees it; a pending one is settled later by webhook. */
public record ProviderRefund(String id, String paymentId, Money amount, Status status) {

    public enum Status {
        PENDING,
        SUCCEEDED,
        FAILED
    }
}
