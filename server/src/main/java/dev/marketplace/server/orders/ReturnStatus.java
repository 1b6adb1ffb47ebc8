package dev.marketplace.server.orders;

/** A return's status: {@code requested → approved | refused}, {@code approved → received → refunded}. */
public enum ReturnStatus {
    REQUESTED, APPROVED, REFUSED, RECEIVED, REFUNDED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static ReturnStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
