package dev.marketplace.server.dropship;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * How fresh a merchant's supplier-fed stock and prices were over a period (issue 22's data freshness, decision 40):
 * offered by drop-shipping to the service levels, which hold no drop-ship table.
 */
public interface SupplierDataFreshness {

    /**
     * Minutes of [{@code from}, {@code to}) during which the merchant had a supplier connection, and of those the
     * minutes its data was fresh: its last successful sync (or its creation) no older than {@code dropship.stale.after}.
     * Both zero for a merchant without connections.
     */
    FreshMinutes freshness(UUID merchantId, OffsetDateTime from, OffsetDateTime to);

    record FreshMinutes(long connected, long fresh) {
    }
}
