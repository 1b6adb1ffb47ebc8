package dev.marketplace.server.catalog;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A node of the category tree.
 *
 * @param parentId    null for a root category
 * @param ancestorIds the path from the root down to the parent (empty for a root category)
 * @param commissionRateBasisPoints the commission on sales in this category (1000 = 10 %)
 */
public record Category(UUID id,
                       UUID parentId,
                       List<UUID> ancestorIds,
                       String name,
                       int commissionRateBasisPoints,
                       long version,
                       OffsetDateTime createdAt,
                       OffsetDateTime updatedAt) {

    public Category {
        ancestorIds = List.copyOf(ancestorIds);
    }

    /** 0 for a root category, 1 for its children, and so on. */
    public int depth() {
        return ancestorIds.size();
    }

    /** The ancestor path of this category's children. */
    public List<UUID> pathForChildren() {
        return java.util.stream.Stream.concat(ancestorIds.stream(), java.util.stream.Stream.of(id)).toList();
    }

    /** Whether {@code other} is this category or lies below it. */
    public boolean isSameOrAncestorOf(Category other) {
        return other.id.equals(id) || other.ancestorIds.contains(id);
    }
}
