package dev.marketplace.server.orders;

import java.util.Collection;
import java.util.Set;
import java.util.UUID;

/**
 * Which variants may not be sold now because the supplier that ships them has not been heard from recently enough
 * (the drop-ship domain's freshness guard, decision 39, which implements it); checkout refuses them as lines no
 * longer sold.
 */
public interface SupplyFreshness {

    Set<UUID> staleAmong(Collection<UUID> variantIds);
}
