package dev.marketplace.server.partners;

import java.util.Optional;
import java.util.UUID;

/**
 * The partner registry as other domains may ask it (decision 45): the inventory exchange, whose partner ids must name
 * a registered partner, and webhooks, which sign a partner's messages with the secret registered for it.
 */
public interface PartnerDirectory {

    /** Registered, whatever its status. */
    boolean isRegistered(UUID partnerId);

    /** Registered and not suspended. */
    boolean isActive(UUID partnerId);

    /** The partner's webhook secret as the operator registered it (opened), when the partner is registered. */
    Optional<String> webhookSecret(UUID partnerId);
}
