package dev.marketplace.server.inventory;

import java.util.Locale;

/**
 * Why a stock level changed, as its change feed entry says (V32): a writer's reason ({@link #UPDATED} …
 * {@link #RETURNED}) stored with the level by the write, or {@link #CREATED} / {@link #DELETED} for a level that
 * appeared or went.
 */
public enum StockChangeReason {
    /** By the merchant's API (an ERP's count or adjustment) or a supplier sync. */
    UPDATED,
    RESERVED,
    /** A reservation released or expired. */
    RELEASED,
    /** Reserved units sold. */
    COMMITTED,
    /** Sold units put back: a paid sub-order refused or cancelled. */
    RESTOCKED,
    /** A received return restocked. */
    RETURNED,
    CREATED,
    DELETED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static StockChangeReason fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
