package dev.marketplace.server.reviews;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a review stands. The operator's moderation goes through {@link #after}, the one transition function:
 * <pre>
 * pending_moderation (held: banned words) ─publish→ published ─hide→ hidden ─publish→ published
 *          └─hide→ hidden            any status but removed ─remove→ removed (final)
 * </pre>
 * A customer's edit re-runs the compliance check: banned words hold a review again, clean text publishes a held one.
 */
enum ReviewStatus {
    PENDING_MODERATION, PUBLISHED, HIDDEN, REMOVED;

    /** What the operator does to a review; each is one {@code POST /v1/reviews/{id}/<action>} with a reason. */
    enum Moderation {
        PUBLISH, HIDE, REMOVE;

        String pathSegment() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    Optional<ReviewStatus> after(Moderation action) {
        return Optional.ofNullable(switch (action) {
            case PUBLISH -> this == PENDING_MODERATION || this == HIDDEN ? PUBLISHED : null;
            case HIDE -> this == PENDING_MODERATION || this == PUBLISHED ? HIDDEN : null;
            case REMOVE -> this == REMOVED ? null : REMOVED;
        });
    }

    /** Whether storefronts see it, and its rating counts in the listing's. */
    boolean isPublic() {
        return this == PUBLISHED;
    }

    /** Whether a merchant still has to answer it (a hidden or removed review no longer asks for a reply). */
    boolean awaitsReply() {
        return this == PENDING_MODERATION || this == PUBLISHED;
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ReviewStatus fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
