package dev.marketplace.server.inventory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.UUID;

/**
 * Variants this node recently found with nothing available at any location, so that a flash sale's refusals after
 * the last unit is gone cost no database round trip each (decision 57). An entry is forgotten after
 * {@link #FOR} (the storefront's freshness bound, decision 19), so stock added by another node or by SQL is sold
 * again within that bound; a change of stock levels through this node forgets its variants at once. It only ever
 * refuses: a variant not known here is read as before, and whatever passes is decided under the levels' locks.
 */
final class SoldOutVariants {

    /** How long a variant found sold out is refused from memory. */
    static final Duration FOR = Duration.ofSeconds(1);
    private static final int MAX_VARIANTS = 100_000;

    private final Cache<UUID, Boolean> soldOut = Caffeine.newBuilder().expireAfterWrite(FOR)
            .maximumSize(MAX_VARIANTS).build();

    /** Those of {@code variantIds} known to have nothing available. */
    Set<UUID> among(Collection<UUID> variantIds) {
        return soldOut.getAllPresent(variantIds).keySet();
    }

    void found(UUID variantId) {
        soldOut.put(variantId, Boolean.TRUE);
    }

    /** Their levels changed on this node: read them again. */
    void forget(Collection<UUID> variantIds) {
        soldOut.invalidateAll(variantIds);
    }
}
