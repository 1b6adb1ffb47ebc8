package dev.marketplace.server.reviews;

import static dev.marketplace.server.reviews.ReviewStatus.HIDDEN;
import static dev.marketplace.server.reviews.ReviewStatus.Moderation.HIDE;
import static dev.marketplace.server.reviews.ReviewStatus.Moderation.PUBLISH;
import static dev.marketplace.server.reviews.ReviewStatus.Moderation.REMOVE;
import static dev.marketplace.server.reviews.ReviewStatus.PENDING_MODERATION;
import static dev.marketplace.server.reviews.ReviewStatus.PUBLISHED;
import static dev.marketplace.server.reviews.ReviewStatus.REMOVED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The moderation table: every status against every action, allowed or not; and what counts in ratings. */
class ReviewStatusTest {

    @Test
    void everyStatusAllowsExactlyTheDocumentedModeration() {
        Map<ReviewStatus, Map<ReviewStatus.Moderation, ReviewStatus>> allowed = new EnumMap<>(Map.of(
                PENDING_MODERATION, Map.of(PUBLISH, PUBLISHED, HIDE, HIDDEN, REMOVE, REMOVED),
                PUBLISHED, Map.of(HIDE, HIDDEN, REMOVE, REMOVED),
                HIDDEN, Map.of(PUBLISH, PUBLISHED, REMOVE, REMOVED),
                REMOVED, Map.of()));
        for (ReviewStatus from : ReviewStatus.values()) {
            for (ReviewStatus.Moderation action : ReviewStatus.Moderation.values()) {
                assertThat(from.after(action)).as("%s from %s", action, from)
                        .isEqualTo(Optional.ofNullable(allowed.get(from).get(action)));
            }
        }
    }

    @Test
    void onlyPublishedReviewsAreShownAndCountedAndOnlyShownOrHeldOnesAwaitAReply() {
        assertThat(Arrays.stream(ReviewStatus.values()).filter(ReviewStatus::isPublic)).containsExactly(PUBLISHED);
        assertThat(Arrays.stream(ReviewStatus.values()).filter(ReviewStatus::awaitsReply))
                .containsExactly(PENDING_MODERATION, PUBLISHED);
    }
}
