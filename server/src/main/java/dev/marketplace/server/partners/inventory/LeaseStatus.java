package dev.marketplace.server.partners.inventory;

import java.util.Locale;

/** {@code active → committed | released | lapsed}; the last three are final. */
public enum LeaseStatus {
    ACTIVE, COMMITTED, RELEASED, LAPSED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static LeaseStatus fromWireName(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }
}
