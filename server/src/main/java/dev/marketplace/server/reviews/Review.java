package dev.marketplace.server.reviews;

import dev.marketplace.server.catalog.ComplianceFinding;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A customer's review of one line of a delivered sub-order, with the merchant's reply.
 *
 * @param replyDueAt     set for negative reviews: by when the merchant must reply
 * @param replyOverdueAt when the overdue job found the deadline passed without a reply; null otherwise
 */
record Review(UUID id, UUID customerId, UUID storefrontId, UUID merchantId, UUID productId, UUID orderId,
              UUID subOrderId, int lineNumber, int rating, Map<String, String> title, Map<String, String> body,
              List<String> imageUrls, ReviewStatus status, List<ComplianceFinding> complianceFindings,
              String moderationReason, OffsetDateTime editableUntil, Map<String, String> reply,
              OffsetDateTime repliedAt, OffsetDateTime replyDueAt, OffsetDateTime replyOverdueAt, long version,
              OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    Review {
        title = Map.copyOf(title);
        body = Map.copyOf(body);
        imageUrls = List.copyOf(imageUrls);
        complianceFindings = List.copyOf(complianceFindings);
        reply = reply == null ? null : Map.copyOf(reply);
    }

    /** What this review adds to its product's and merchant's rating: itself while published, nothing otherwise. */
    int countedRatings() {
        return status.isPublic() ? 1 : 0;
    }

    long countedStars() {
        return status.isPublic() ? rating : 0;
    }
}
