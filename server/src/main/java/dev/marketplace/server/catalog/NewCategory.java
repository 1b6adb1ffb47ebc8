package dev.marketplace.server.catalog;

import java.util.Optional;
import java.util.UUID;

/** What it takes to create a category; an empty parent makes a root category. */
public record NewCategory(Optional<UUID> parentId, String name, int commissionRateBasisPoints) {
}
