package dev.marketplace.server.reviews;

import dev.marketplace.server.catalog.ComplianceFinding;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.PublicUrls;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.http.VersionPreconditions;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** {@code /v1/reviews}: customers' reviews, merchants' replies, the operator's moderation, the feed. Parses, delegates, renders. */
final class ReviewHttpService implements HttpService {

    static final String PATH = "/v1/reviews";
    /** A BCP 47 language tag, as products take them. */
    private static final Pattern LANGUAGE_TAG = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8})*");
    private static final String LANGUAGE_TAG_RULE = "must be a language tag such as ja, zh, en or zh-Hant";
    private static final int LANGUAGES_MAX = 20;
    private static final int TITLE_MAX = 200;
    private static final int BODY_MAX = 5_000;
    private static final int REPLY_MAX = 5_000;
    private static final int IMAGES_MAX = 5;
    private static final int IMAGE_URL_MAX = 2_000;
    private static final int LINE_NUMBER_MAX = 999;
    private static final int REASON_MAX = 500;
    private static final Set<String> STATUSES = Arrays.stream(ReviewStatus.values()).map(ReviewStatus::wireName)
            .collect(Collectors.toUnmodifiableSet());

    private final ReviewService reviews;

    ReviewHttpService(ReviewService reviews) {
        this.reviews = reviews;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/changes", this::changes)
                .get("/published", this::published)
                .get("/{reviewId}", this::get)
                .patch("/{reviewId}", this::edit)
                .post("/{reviewId}/reply", this::reply)
                .post("/{reviewId}/publish", (req, res) -> moderate(req, res, ReviewStatus.Moderation.PUBLISH))
                .post("/{reviewId}/hide", (req, res) -> moderate(req, res, ReviewStatus.Moderation.HIDE))
                .post("/{reviewId}/remove", (req, res) -> moderate(req, res, ReviewStatus.Moderation.REMOVE));
    }

    public record ReplyResource(Map<String, String> text, OffsetDateTime repliedAt) {
    }

    /** A review as its customer, its merchant and the operator see it (see {@code Review} in the OpenAPI document). */
    public record ReviewResource(UUID id, UUID productId, UUID merchantId, UUID subOrderId, int lineNumber,
                                 UUID customerId, int rating, Map<String, String> title, Map<String, String> body,
                                 List<String> imageUrls, String status, List<ComplianceFinding> complianceFindings,
                                 String moderationReason, ReplyResource reply, OffsetDateTime replyDueAt,
                                 OffsetDateTime replyOverdueAt, OffsetDateTime editableUntil, long version,
                                 OffsetDateTime createdAt, OffsetDateTime updatedAt) {
        /** A merchant does not learn who its customers are (as in sub-orders and webhooks). */
        static ReviewResource of(Review review, Principal viewer) {
            return new ReviewResource(review.id(), review.productId(), review.merchantId(), review.subOrderId(),
                    review.lineNumber(), viewer.type() == PrincipalType.MERCHANT ? null : review.customerId(),
                    review.rating(), review.title(), review.body(), review.imageUrls(), review.status().wireName(),
                    review.complianceFindings(), review.moderationReason(), replyOf(review), review.replyDueAt(),
                    review.replyOverdueAt(), review.editableUntil(), review.version(), review.createdAt(),
                    review.updatedAt());
        }
    }

    /** A published review as storefronts show it to anyone: no customer, no moderation. */
    public record PublishedReviewResource(UUID id, UUID productId, UUID merchantId, int rating, Map<String, String> title,
                                          Map<String, String> body, List<String> imageUrls, ReplyResource reply,
                                          OffsetDateTime createdAt, OffsetDateTime updatedAt) {
        static PublishedReviewResource of(Review review) {
            return new PublishedReviewResource(review.id(), review.productId(), review.merchantId(), review.rating(),
                    review.title(), review.body(), review.imageUrls(), replyOf(review), review.createdAt(),
                    review.updatedAt());
        }
    }

    private static ReplyResource replyOf(Review review) {
        return review.reply() == null ? null : new ReplyResource(review.reply(), review.repliedAt());
    }

    public record ReviewPage(List<ReviewResource> items, String nextCursor) {
    }

    public record PublishedReviewPage(List<PublishedReviewResource> items, String nextCursor) {
    }

    public record ReviewChangeResource(long position, OffsetDateTime changedAt, ReviewResource review) {
    }

    public record ReviewChangePage(List<ReviewChangeResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "productId", "status", "limit", "cursor");
        Optional<UUID> productId = query.uuid("productId");
        Optional<ReviewStatus> status = query.oneOf("status", STATUSES).map(ReviewStatus::fromWireName);
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Principal caller = Authentication.principal(req);
        Page<Review> result = reviews.list(caller, productId, status, page);
        JsonResponses.ok(res, new ReviewPage(result.items().stream().map(r -> ReviewResource.of(r, caller)).toList(),
                result.nextCursor()));
    }

    private void published(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "productId", "limit", "cursor");
        Optional<UUID> productId = query.uuid("productId");
        if (!req.query().contains("productId")) {
            query.reject("productId", FieldError.REQUIRED, "is required");
        }
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<Review> result = reviews.published(productId.orElseThrow(), page);
        JsonResponses.ok(res, new PublishedReviewPage(result.items().stream().map(PublishedReviewResource::of).toList(),
                result.nextCursor()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "subOrderId", "lineNumber", "rating", "title", "body",
                "imageUrls");
        UUID subOrderId = body.requiredUuid("subOrderId");
        Integer lineNumber = body.requiredInt("lineNumber", 0, LINE_NUMBER_MAX);
        Integer rating = body.requiredInt("rating", 1, 5);
        Optional<Map<String, String>> title = title(body);
        Optional<Map<String, String>> text = text(body);
        if (!body.isPresent("title")) {
            body.reject("title", FieldError.REQUIRED, "is required");
        }
        if (!body.isPresent("body")) {
            body.reject("body", FieldError.REQUIRED, "is required");
        }
        Optional<List<String>> imageUrls = PublicUrls.httpsUrls(body, "imageUrls", IMAGES_MAX, IMAGE_URL_MAX);
        body.throwIfInvalid();
        Principal caller = Authentication.principal(req);
        Review created = reviews.create(caller, new ReviewService.NewReview(subOrderId, lineNumber, rating,
                title.orElseThrow(), text.orElseThrow(), imageUrls.orElse(List.of())));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        VersionPreconditions.sendEtag(res, created.version());
        JsonResponses.send(res, Status.CREATED_201, ReviewResource.of(created, caller));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Principal caller = Authentication.principal(req);
        send(res, reviews.get(caller, reviewId(req)), caller);
    }

    private void edit(ServerRequest req, ServerResponse res) {
        UUID id = reviewId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "rating", "title", "body", "imageUrls", "version");
        Optional<Integer> rating = body.optionalInt("rating", 1, 5);
        ReviewService.ReviewChanges changes = new ReviewService.ReviewChanges(rating, title(body), text(body),
                PublicUrls.httpsUrls(body, "imageUrls", IMAGES_MAX, IMAGE_URL_MAX));
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        ExpectedVersion expected = VersionPreconditions.requireExpectedVersion(req, version);
        Principal caller = Authentication.principal(req);
        send(res, reviews.edit(caller, id, changes, expected), caller);
    }

    private void reply(ServerRequest req, ServerResponse res) {
        UUID id = reviewId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "text");
        Optional<Map<String, String>> text = body.optionalStringMap("text", 1, LANGUAGES_MAX, LANGUAGE_TAG,
                LANGUAGE_TAG_RULE, REPLY_MAX);
        if (!body.isPresent("text")) {
            body.reject("text", FieldError.REQUIRED, "is required");
        }
        body.throwIfInvalid();
        Principal caller = Authentication.principal(req);
        send(res, reviews.reply(caller, id, text.orElseThrow()), caller);
    }

    private void moderate(ServerRequest req, ServerResponse res, ReviewStatus.Moderation action) {
        UUID id = reviewId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reason");
        String reason = body.requiredString("reason", 1, REASON_MAX);
        body.throwIfInvalid();
        Principal caller = Authentication.principal(req);
        send(res, reviews.moderate(caller, id, action, reason), caller);
    }

    private void changes(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = ChangeLog.pageRequest(query);
        query.throwIfInvalid();
        Principal caller = Authentication.principal(req);
        ChangePage<ReviewService.ReviewChange> result = reviews.changes(caller, page);
        JsonResponses.ok(res, new ReviewChangePage(result.items().stream()
                .map(change -> new ReviewChangeResource(change.position(), change.changedAt(),
                        ReviewResource.of(change.review(), caller)))
                .toList(), result.nextCursor()));
    }

    /** Titles by language: at least one when given. */
    private static Optional<Map<String, String>> title(JsonFields body) {
        return body.optionalStringMap("title", 1, LANGUAGES_MAX, LANGUAGE_TAG, LANGUAGE_TAG_RULE, TITLE_MAX);
    }

    private static Optional<Map<String, String>> text(JsonFields body) {
        return body.optionalStringMap("body", 1, LANGUAGES_MAX, LANGUAGE_TAG, LANGUAGE_TAG_RULE, BODY_MAX);
    }

    private static void send(ServerResponse res, Review review, Principal viewer) {
        VersionPreconditions.sendEtag(res, review.version());
        JsonResponses.ok(res, ReviewResource.of(review, viewer));
    }

    /** A malformed id cannot name a review: answered like an unknown one. */
    private static UUID reviewId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("reviewId")).orElseThrow(() -> ProblemException.notFound("review"));
    }
}
