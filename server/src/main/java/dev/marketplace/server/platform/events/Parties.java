package dev.marketplace.server.platform.events;

import java.util.UUID;

/**
 * Whom an event concerns, each null where it has none: a plan fee or payout has no order or customer, a payment of
 * a whole order no sub-order or merchant.
 */
public record Parties(UUID orderId, UUID subOrderId, UUID merchantId, UUID customerId) {

    public static Parties ofOrder(UUID orderId, UUID customerId) {
        return new Parties(orderId, null, null, customerId);
    }
}
