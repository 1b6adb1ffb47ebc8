package dev.marketplace.server.inventory;

import java.util.Optional;
import java.util.UUID;

/**
 * What became of one item of a stock update: the stock after it, or why it was refused. {@code variantId} or
 * {@code locationId} is null for an item whose SKU or location code named nothing.
 */
public record StockUpdateResult(int index, UUID variantId, UUID locationId, Outcome outcome, Optional<String> code,
                                Optional<String> detail, Optional<StockLevel> stock) {

    public enum Outcome {
        APPLIED, IGNORED_STALE, REJECTED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static StockUpdateResult applied(int index, StockLevel stock) {
        return new StockUpdateResult(index, stock.variantId(), stock.locationId(), Outcome.APPLIED, Optional.empty(),
                Optional.empty(), Optional.of(stock));
    }

    static StockUpdateResult ignoredStale(int index, StockLevel stock) {
        return new StockUpdateResult(index, stock.variantId(), stock.locationId(), Outcome.IGNORED_STALE,
                Optional.empty(), Optional.of("A newer absolute update (source sequence "
                        + stock.lastSourceSequence().orElseThrow() + ") was applied already."), Optional.of(stock));
    }

    /** An item whose SKU or location code names nothing of the caller's: the ids it did name, if any. */
    static StockUpdateResult unresolved(int index, UUID variantId, UUID locationId, String detail) {
        return new StockUpdateResult(index, variantId, locationId, Outcome.REJECTED, Optional.of("not_found"),
                Optional.of(detail), Optional.empty());
    }

    /** The same result for the item at {@code newIndex} of the request it came from. */
    StockUpdateResult at(int newIndex) {
        return new StockUpdateResult(newIndex, variantId, locationId, outcome, code, detail, stock);
    }

    static StockUpdateResult rejected(int index, StockUpdate item, String code, String detail) {
        return new StockUpdateResult(index, item.variantId(), item.locationId(), Outcome.REJECTED, Optional.of(code),
                Optional.of(detail), Optional.empty());
    }
}
