package dev.marketplace.server.catalog;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a product stands in moderation. Every change of status goes through {@link #after}, the one transition
 * function:
 * <pre>
 * draft ─submit→ pending_review ─approve→ published
 *   ↑              └─reject→ rejected ─submit→ pending_review
 *   └─edit content── any status
 * </pre>
 * Submitting runs the compliance check; when it finds banned words the product goes on from
 * {@code pending_review} with {@code reject}, in the same change.
 */
public enum ProductStatus {
    DRAFT, PENDING_REVIEW, PUBLISHED, REJECTED;

    /** The status {@code action} leads to from this one; empty when the action is not allowed from here. */
    public Optional<ProductStatus> after(ProductAction action) {
        return Optional.ofNullable(switch (action) {
            case SUBMIT -> this == DRAFT || this == REJECTED ? PENDING_REVIEW : null;
            case APPROVE -> this == PENDING_REVIEW ? PUBLISHED : null;
            case REJECT -> this == PENDING_REVIEW ? REJECTED : null;
            case EDIT_CONTENT -> DRAFT;
        });
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ProductStatus> fromWireName(String name) {
        for (ProductStatus status : values()) {
            if (status.wireName().equals(name)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
