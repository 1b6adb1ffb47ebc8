package dev.marketplace.server.inventory;

import java.util.Locale;

/** {@code active → released | committed | expired}; only an active reservation holds stock. */
public enum ReservationStatus {
    ACTIVE, RELEASED, COMMITTED, EXPIRED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ReservationStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
