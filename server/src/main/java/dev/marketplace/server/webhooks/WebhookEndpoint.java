package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.security.PrincipalType;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * An HTTPS endpoint subscribed to topics, owned by the principal that created it.
 *
 * @param disabledReason null while enabled; {@code by_owner}, {@code gone} (it answered 410) or {@code failing} (a
 *                       delivery failed for its whole retry schedule)
 * @param previousSecretExpiresAt while in the future, the previous secret signs too (rotation)
 */
record WebhookEndpoint(UUID id, PrincipalType ownerType, UUID ownerId, String url, List<String> topics,
                       String description, boolean enabled, String disabledReason,
                       OffsetDateTime previousSecretExpiresAt, long version, OffsetDateTime createdAt,
                       OffsetDateTime updatedAt) {

    static final String BY_OWNER = "by_owner";
    static final String GONE = "gone";
    static final String FAILING = "failing";

    WebhookEndpoint {
        topics = List.copyOf(topics);
    }
}
