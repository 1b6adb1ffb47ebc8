package dev.marketplace.server.inventory;

import java.util.Map;

/**
 * Stock levels this transaction has locked, by key, with the address ({@code ctid}) of each one's row. A locked row
 * cannot be moved by another transaction, so writing the levels back fetches each row by its address instead of
 * probing the primary key a second time (decision 104). {@code levels} is the caller's to update as it applies
 * changes in memory.
 */
record LockedLevels(Map<StockKey, StockLevel> levels, Map<StockKey, String> rowAddresses) {

    static final LockedLevels NONE = new LockedLevels(Map.of(), Map.of());
}
