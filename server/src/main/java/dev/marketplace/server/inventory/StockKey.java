package dev.marketplace.server.inventory;

import java.util.Comparator;
import java.util.UUID;

/** One variant at one location: the key of a stock level. */
record StockKey(UUID variantId, UUID locationId) implements Comparable<StockKey> {

    /**
     * The one order in which every transaction locks stock levels (the database's uuid order), so that two
     * transactions touching the same levels never wait for each other in a cycle.
     */
    private static final Comparator<StockKey> LOCK_ORDER = Comparator
            .comparing(StockKey::variantId, StockKey::compareAsDatabase)
            .thenComparing(StockKey::locationId, StockKey::compareAsDatabase);

    @Override
    public int compareTo(StockKey other) {
        return LOCK_ORDER.compare(this, other);
    }

    /** PostgreSQL orders uuids as unsigned bytes; {@link UUID#compareTo} compares signed longs. */
    static int compareAsDatabase(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }
}
