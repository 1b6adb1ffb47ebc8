package dev.marketplace.server.webhooks;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * What webhooks need to know of partner platforms (decision 45), given by the partner domains so that this package
 * depends on none of them: which partners a variant's stock events concern (those it is shared with now), and the
 * webhook secret the operator registered for a partner, which signs its messages beside its endpoint's own secret.
 */
public interface PartnerAudience {

    /**
     * The partners that may sell this variant now (shared with them, its merchant opted in), read in the caller's
     * transaction {@code tx}.
     */
    Set<UUID> partnersSelling(DSLContext tx, UUID variantId);

    /** The partner's registered webhook secret ({@code whsec_…}), when it is a registered partner. */
    Optional<String> registeredSecret(UUID partnerId);
}
