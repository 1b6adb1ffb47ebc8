package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.changes.ChangeKind;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * One entry of the product change feed. An upsert carries the product as it is now (not as it was then): a mirror
 * only needs the latest state, and an upsert whose product has been deleted since is left out of the feed, its
 * tombstone follows.
 */
public record ProductChange(long position, ChangeKind kind, UUID productId, OffsetDateTime changedAt,
                            Optional<Product> product) {
}
