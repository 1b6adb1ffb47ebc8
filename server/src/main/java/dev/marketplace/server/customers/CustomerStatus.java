package dev.marketplace.server.customers;

import java.util.Locale;

/** {@code active → closed → erased}, or {@code active → erased}; only an active customer signs in. */
public enum CustomerStatus {
    ACTIVE, CLOSED, ERASED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static CustomerStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
