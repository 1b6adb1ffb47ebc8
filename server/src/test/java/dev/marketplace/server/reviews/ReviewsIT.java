package dev.marketplace.server.reviews;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.CursorStore;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ListingsApi.ListListingsParams;
import dev.marketplace.sdk.api.ReviewsApi;
import dev.marketplace.sdk.api.ReviewsApi.ListPublishedReviewsParams;
import dev.marketplace.sdk.api.ServiceLevelsApi.GetServiceLevelsParams;
import dev.marketplace.sdk.model.Listing;
import dev.marketplace.sdk.model.ListingSort;
import dev.marketplace.sdk.model.MerchantStatus;
import dev.marketplace.sdk.model.ModerationReason;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.Review;
import dev.marketplace.sdk.model.ReviewChange;
import dev.marketplace.sdk.model.ReviewCreate;
import dev.marketplace.sdk.model.ReviewReplyCreate;
import dev.marketplace.sdk.model.ReviewStatus;
import dev.marketplace.sdk.model.ReviewUpdate;
import dev.marketplace.sdk.model.ServiceLevelMeasure;
import dev.marketplace.sdk.model.ServiceLevelReport;
import dev.marketplace.server.reviews.ReviewShop.Item;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 22, as it will be checked, through the SDK: a customer reviews a delivered line, a duplicate is a 409, an
 * undelivered line is refused, a banned word holds a review for moderation, the merchant replies, an unanswered
 * 1-star review becomes overdue after 48 hours on the server's clock and shows in the service-level report (and,
 * with automatic freezing on, freezes the merchant after the grace period), and the listing's rating and sort order
 * follow.
 */
class ReviewsIT {

    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(clock)
            .with("reviews.service-levels.freeze.automatic", "true");

    private static ReviewShop shop;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new ReviewShop(server);
    }

    @Test
    void verifiedReviewsRepliesOverdueRepliesServiceLevelsAndRatingsOnListings() throws Exception {
        ActiveMerchant tea = shop.merchant("Uji Tea K.K.");
        Item gyokuro = shop.item(tea, "Gyokuro", "RV-GYO");
        Item sencha = shop.item(tea, "Sencha", "RV-SEN");
        Item matcha = shop.item(tea, "Matcha", "RV-MAT");
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        // Orders keep real time, reviews the server's movable clock: the report's period spans both.
        OffsetDateTime periodStart = OffsetDateTime.now().minusHours(1);
        ReviewsApi customerReviews = customer.reviews();
        ReviewsApi merchantReviews = tea.client().reviews();
        ReviewsApi operatorReviews = server.client().reviews();
        Order order = shop.paidOrder(customer, gyokuro, sencha, matcha);
        UUID delivered = shop.delivered(order, tea);
        Order undelivered = shop.paidOrder(customer, sencha);
        UUID accepted = shop.accepted(undelivered, tea);

        // A delivered line, reviewed once: clean text is published at once.
        Review five = customerReviews.createReview(review(delivered, 0, 5, "Sweet and deep", "Wonderful umami."));
        assertThat(five.getStatus()).isEqualTo(ReviewStatus.PUBLISHED);
        assertThat(five.getProductId()).isEqualTo(gyokuro.productId());
        assertThat(five.getReplyDueAt()).as("not negative: no reply deadline").isNull();
        assertThatThrownBy(() -> customerReviews.createReview(review(delivered, 0, 4, "Again", "A second opinion.")))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code().value()).isEqualTo("review_exists"));
        assertThatThrownBy(() -> customerReviews.createReview(review(accepted, 0, 5, "Not here yet", "Looks fine.")))
                .as("the sub-order is accepted, not delivered")
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code().value()).isEqualTo("line_not_delivered"));

        // A banned word holds a review for moderation; it does not count until the operator publishes it.
        Review held = customerReviews.createReview(review(delivered, 2, 4, "最安値の抹茶", "Good for the price."));
        assertThat(held.getStatus()).isEqualTo(ReviewStatus.PENDING_MODERATION);
        assertThat(held.getComplianceFindings()).singleElement()
                .satisfies(f -> assertThat(f.getWord()).isEqualTo("最安値"));
        assertThat(shop.storefront.reviews().listPublishedReviews(ListPublishedReviewsParams.builder()
                .productId(matcha.productId()).build()).getItems()).isEmpty();
        assertThat(listing(matcha).getRating().getCount()).isZero();

        // A 1-star review starts the merchant's 48-hour reply deadline.
        Review oneStar = customerReviews.createReview(review(delivered, 1, 1, "Stale", "Tasted old."));
        assertThat(oneStar.getStatus()).isEqualTo(ReviewStatus.PUBLISHED);
        assertThat(oneStar.getReplyDueAt()).isEqualTo(oneStar.getCreatedAt().plusHours(48));

        // The merchant answers the 5-star review, once.
        Review answered = merchantReviews.replyToReview(five.getId(), new ReviewReplyCreate().text(Map.of("en", "Thank you!")));
        assertThat(answered.getReply().getText()).containsEntry("en", "Thank you!");
        assertThat(answered.getCustomerId()).as("a merchant does not learn who its customers are").isNull();
        assertThatThrownBy(() -> merchantReviews.replyToReview(five.getId(), new ReviewReplyCreate().text(Map.of("en", "Again"))))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code().value()).isEqualTo("review_already_replied"));

        // The operator publishes the held review: ratings and the rating order follow.
        operatorReviews.publishReview(held.getId(), new ModerationReason().reason("price claim is the customer's opinion"));
        assertThat(listing(gyokuro).getRating().getAverage()).isEqualByComparingTo(new BigDecimal("5.00"));
        assertThat(listing(matcha).getRating().getCount()).isEqualTo(1);
        assertThat(listing(sencha).getMerchantRating().getCount()).isEqualTo(3);
        assertThat(listing(sencha).getMerchantRating().getAverage()).isEqualByComparingTo(new BigDecimal("3.33"));
        assertThat(byRating(tea, null)).containsExactly(gyokuro.productId(), matcha.productId(), sencha.productId());
        assertThat(byRating(tea, 4)).containsExactly(gyokuro.productId(), matcha.productId());

        // 49 hours later the 1-star review is overdue: marked once, reported, and the merchant is warned.
        clock.advance(Duration.ofHours(49));
        assertThat(server.runJob(ReviewsModule.OVERDUE_JOB)).isEqualTo(1);
        assertThat(server.runJob(ReviewsModule.OVERDUE_JOB)).as("each is marked once").isZero();
        assertThat(merchantReviews.getReview(oneStar.getId()).getReplyOverdueAt()).isNotNull();
        assertThat(merchantReviews.getReview(five.getId()).getReplyOverdueAt()).isNull();
        server.runJob(ReviewsModule.EVALUATION_JOB);
        ServiceLevelReport report = tea.client().serviceLevels().getServiceLevels(tea.id(),
                GetServiceLevelsParams.builder().from(periodStart).to(OffsetDateTime.now(clock)).build());
        assertThat(report.getOverdueReplies()).isEqualTo(1);
        assertThat(measure(report, ServiceLevelMeasure.NameEnum.NEGATIVE_REVIEW_REPLIES)).satisfies(m -> {
            assertThat(m.getDue()).isEqualTo(1);
            assertThat(m.getInTime()).isZero();
            assertThat(m.getShareBasisPoints()).isZero();
            assertThat(m.getMissed()).isTrue();
        });
        assertThat(measure(report, ServiceLevelMeasure.NameEnum.ACCEPTANCE)).satisfies(m -> {
            assertThat(m.getDue()).isEqualTo(2);
            assertThat(m.getInTime()).isEqualTo(2);
            assertThat(m.getMissed()).isFalse();
        });
        assertThat(measure(report, ServiceLevelMeasure.NameEnum.SHIPPING)).satisfies(m -> {
            assertThat(m.getDue()).as("the undelivered one is not due to ship yet").isEqualTo(1);
            assertThat(m.getInTime()).isEqualTo(1);
        });
        assertThat(report.getStanding().getState().getValue()).isEqualTo("warned");
        assertThat(report.getUnmeasured()).extracting(u -> u.getName()).containsExactly("data_freshness");
        assertThat(eventsOf(tea)).contains("review_created", "review_published", "review_reply_overdue");

        // Still missed after the grace period: frozen through the merchant status flow, its listings hidden.
        clock.advance(Duration.ofDays(8));
        server.runJob(ReviewsModule.EVALUATION_JOB);
        assertThat(server.client().merchants().getMerchant(tea.id()).getStatus()).isEqualTo(MerchantStatus.FROZEN);
        assertThat(server.client().serviceLevels().getServiceLevels(tea.id()).getStanding()
                .getState().getValue()).isEqualTo("frozen");
        // The job's change reaches the listings' in-memory copies through the committed-change notifications.
        Await.until(Duration.ofSeconds(10), "the frozen merchant's listings are hidden", () -> shop.storefront.listings()
                .listListings(ListListingsParams.builder().merchantId(tea.id()).build()).getItems().isEmpty());
    }

    @Test
    void customersSeeAndEditOnlyTheirOwnReviewsAndMerchantsReplyOnlyToReviewsOfTheirProducts() throws Exception {
        ActiveMerchant pottery = shop.merchant("Arita Pottery K.K.");
        ActiveMerchant other = shop.merchant("Mino Ware K.K.");
        Item bowl = shop.item(pottery, "Bowl", "RV-BOWL");
        MarketplaceClient alice = shop.customer(UUID.randomUUID());
        MarketplaceClient bob = shop.customer(UUID.randomUUID());
        Order order = shop.paidOrder(alice, bowl);
        UUID subOrder = shop.delivered(order, pottery);
        Review review = alice.reviews().createReview(review(subOrder, 0, 2, "Chipped", "A small chip."));

        ReviewsApi bobs = bob.reviews();
        assertThatThrownBy(() -> bobs.getReview(review.getId()))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bobs.createReview(review(subOrder, 0, 5, "Mine", "Not mine really.")))
                .as("another customer's line").isInstanceOf(NotFoundException.class);
        assertThat(bobs.listReviews().getItems()).isEmpty();
        assertThat(alice.reviews().listReviews().getItems()).extracting(Review::getId)
                .containsExactly(review.getId());
        ReviewsApi others = other.client().reviews();
        assertThatThrownBy(() -> others.replyToReview(review.getId(), new ReviewReplyCreate().text(Map.of("en", "Hi"))))
                .isInstanceOf(NotFoundException.class);
        assertThat(others.listReviews().getItems()).isEmpty();
        assertThat(others.listReviewChanges().getItems()).isEmpty();
        assertThatThrownBy(() -> other.client().serviceLevels().getServiceLevels(pottery.id()))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> pottery.client().reviews().createReview(
                review(subOrder, 0, 5, "Self", "Praise.")))
                .as("a merchant writes no reviews").isInstanceOf(PermissionException.class);

        ReviewsApi potteryReviews = pottery.client().reviews();
        assertThat(potteryReviews.listReviews().getItems()).extracting(Review::getId).containsExactly(review.getId());
        // The merchant's ERP follows the review feed with a stored cursor; the reply arrives as a later change.
        List<ReviewChange> mirrored = new ArrayList<>();
        CursorStore cursor = CursorStore.inMemory();
        drainUntilSomething(pottery, cursor, mirrored);
        assertThat(mirrored).extracting(change -> change.getReview().getId()).containsExactly(review.getId());
        mirrored.clear();
        assertThat(potteryReviews.replyToReview(review.getId(), new ReviewReplyCreate().text(Map.of("ja", "申し訳ございません")))
                .getReply().getRepliedAt()).isNotNull();
        drainUntilSomething(pottery, cursor, mirrored);
        assertThat(mirrored).singleElement().satisfies(change -> assertThat(change.getReview().getReply()).isNotNull());
    }

    @Test
    void moderationMovesTheRatingAndEditsStayWithinTheWindowAndTheRules() throws Exception {
        ActiveMerchant knives = shop.merchant("Seki Knives K.K.");
        Item knife = shop.item(knives, "Santoku", "RV-KNF");
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        UUID subOrder = shop.delivered(shop.paidOrder(customer, knife), knives);
        ReviewsApi reviews = customer.reviews();
        ReviewsApi operator = server.client().reviews();

        assertThatThrownBy(() -> reviews.createReview(review(subOrder, 0, 5, "Sharp", "Very sharp.")
                .imageUrls(List.of("https://169.254.169.254/latest/meta-data"))))
                .as("an internal address").isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> reviews.createReview(review(subOrder, 0, 5, "Sharp", "Very sharp.")
                .imageUrls(List.of("http://images.example.com/knife.jpg"))))
                .as("not https").isInstanceOf(ValidationException.class);
        Review review = reviews.createReview(review(subOrder, 0, 5, "Sharp", "Very sharp.")
                .imageUrls(List.of("https://images.example.com/knife.jpg")));
        assertThat(listing(knife).getRating().getCount()).isEqualTo(1);

        Review edited = reviews.updateReview(review.getId(), new ReviewUpdate().rating(3)
                .version(review.getVersion()));
        assertThat(listing(knife).getRating().getAverage()).isEqualByComparingTo(new BigDecimal("3.00"));
        Review heldByEdit = reviews.updateReview(review.getId(), new ReviewUpdate()
                .body(Map.of("en", "Miracle cure for dull cooking")).version(edited.getVersion()));
        assertThat(heldByEdit.getStatus()).isEqualTo(ReviewStatus.PENDING_MODERATION);
        assertThat(listing(knife).getRating().getCount()).as("a held review does not count").isZero();

        operator.publishReview(review.getId(), new ModerationReason().reason("figure of speech"));
        assertThat(listing(knife).getRating().getCount()).isEqualTo(1);
        Review hidden = operator.hideReview(review.getId(), new ModerationReason().reason("off topic"));
        assertThat(hidden.getModerationReason()).isEqualTo("off topic");
        assertThat(listing(knife).getRating().getCount()).isZero();
        operator.removeReview(review.getId(), new ModerationReason().reason("spam"));
        assertThatThrownBy(() -> operator.publishReview(review.getId(), new ModerationReason().reason("undo")))
                .isInstanceOfSatisfying(ConflictException.class,
                        e -> assertThat(e.code().value()).isEqualTo("illegal_status_transition"));
        assertThatThrownBy(() -> reviews.updateReview(review.getId(), new ReviewUpdate()
                .rating(4).version(reviews.getReview(review.getId()).getVersion())))
                .isInstanceOf(ConflictException.class);
        assertThat(listing(knife).getRating().getCount()).isZero();

        // The edit window: another line's review, changed after 30 days, is refused.
        Item board = shop.item(knives, "Cutting board", "RV-BRD");
        UUID later = shop.delivered(shop.paidOrder(customer, board), knives);
        Review boardReview = reviews.createReview(review(later, 0, 4, "Solid", "Heavy wood."));
        clock.advance(Duration.ofDays(31));
        assertThatThrownBy(() -> reviews.updateReview(boardReview.getId(), new ReviewUpdate()
                .rating(5).version(boardReview.getVersion())))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code().value()).isEqualTo("edit_window_closed"));
    }

    /** A change gets its feed position once older transactions have finished: drain until it has come. */
    private static void drainUntilSomething(ActiveMerchant merchant, CursorStore cursor,
                                            List<ReviewChange> into) {
        Await.until(Duration.ofSeconds(10), "review changes", () -> {
            try {
                merchant.client().feeds().reviews().drain(cursor, into::addAll);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return !into.isEmpty();
        });
    }

    private static ReviewCreate review(UUID subOrderId, int line, int rating, String title, String body) {
        return new ReviewCreate().subOrderId(subOrderId).lineNumber(line).rating(rating).title(Map.of("en", title))
                .body(Map.of("en", body));
    }

    private static Listing listing(Item item) {
        return shop.storefront.listings().getListing(item.productId());
    }

    private static List<UUID> byRating(ActiveMerchant merchant, Integer minRating) {
        return shop.storefront.listings().listListings(ListListingsParams.builder().merchantId(merchant.id())
                .sort(ListingSort.RATING_DESC).minRating(minRating).build()).getItems().stream()
                .map(Listing::getProductId).toList();
    }

    private static ServiceLevelMeasure measure(ServiceLevelReport report, ServiceLevelMeasure.NameEnum name) {
        return report.getMeasures().stream().filter(m -> m.getName() == name).findFirst().orElseThrow();
    }

    private static List<String> eventsOf(ActiveMerchant merchant) {
        return server.db().select(DOMAIN_EVENT.TYPE).from(DOMAIN_EVENT).where(DOMAIN_EVENT.MERCHANT_ID.eq(merchant.id()))
                .and(DOMAIN_EVENT.TYPE.like("review_%")).orderBy(DOMAIN_EVENT.ID).fetch(DOMAIN_EVENT.TYPE);
    }
}
