package dev.marketplace.server.dropship;

/**
 * The safety buffer kept back from a supplier's stock (decision 39): {@code units}, and {@code percent} of the stock
 * rounded up, so the marketplace never sells the last units a supplier may already have sold elsewhere.
 */
public record StockBuffer(long units, int percent) {

    public StockBuffer {
        if (units < 0 || percent < 0 || percent > 100) {
            throw new IllegalArgumentException("invalid stock buffer");
        }
    }

    public long sellable(long supplierStock) {
        if (supplierStock <= 0) {
            return 0;
        }
        long held = units + Math.ceilDiv(supplierStock * percent, 100L);
        return Math.max(0, supplierStock - held);
    }
}
