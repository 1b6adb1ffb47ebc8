package dev.marketplace.server.catalog;

import java.util.List;
import java.util.UUID;

/** One product of a bulk moderation: the operator's decision ({@code approve} or {@code reject} with reasons). */
public record ModerationItem(UUID productId, ProductAction action, List<String> reasons, long version) {

    public ModerationItem {
        reasons = List.copyOf(reasons);
    }
}
