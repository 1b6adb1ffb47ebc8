package dev.marketplace.server.catalog;

import java.util.Optional;

/** A partial update of a category: absent fields stay as they are. */
public record CategoryChanges(Optional<String> name, Optional<Integer> commissionRateBasisPoints) {

    public boolean isEmpty() {
        return name.isEmpty() && commissionRateBasisPoints.isEmpty();
    }
}
