package dev.marketplace.server.orders;

/**
 * A customer order's status: {@code placed → paid → completed}, or {@code placed → expired} (the payment was not made
 * in time) or {@code cancelled}. Changed only through {@link OrderStateMachine}.
 */
public enum OrderStatus {
    PLACED, PAID, COMPLETED, EXPIRED, CANCELLED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static OrderStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
