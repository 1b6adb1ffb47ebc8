package dev.marketplace.server.orders;

/**
 * A sub-order's status (one merchant's part of an order): {@code pending_payment} until the order is paid, then
 * {@code awaiting_acceptance → accepted → partially_shipped → shipped → delivered → closed}, with {@code rejected},
 * {@code cancelled} (before shipment) and {@code expired} (the order was never paid). Changed only through
 * {@link OrderStateMachine}.
 */
public enum SubOrderStatus {
    PENDING_PAYMENT, AWAITING_ACCEPTANCE, ACCEPTED, PARTIALLY_SHIPPED, SHIPPED, DELIVERED, CLOSED, REJECTED, CANCELLED,
    EXPIRED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static SubOrderStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
