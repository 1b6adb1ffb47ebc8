package dev.marketplace.server.reviews;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.catalog.ComplianceFinding;
import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.orders.OrderService.PurchasedLine;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import jakarta.json.JsonObjectBuilder;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * Reviews of delivered lines, their moderation, the merchant's reply and the reply deadline of negative reviews
 * (decision 40). Each public method is one transaction; a review's rating reaches the listing read model through
 * {@link ProductService#rate} in the same transaction, and its events through the outbox.
 *
 * <p>Error codes: {@code customer_required} (writing without a customer-bound token), {@code not_found} (the line
 * or review, also another tenant's), {@code line_not_delivered}, {@code review_exists}, {@code edit_window_closed},
 * {@code version_conflict} / {@code precondition_failed}, {@code illegal_status_transition} (with
 * {@code currentState}), {@code review_already_replied}.
 */
final class ReviewService {

    static final String OVERDUE_JOB = "reviews.reply-overdue";
    /** The unique key of one review per line (V29). */
    private static final String ONE_REVIEW_PER_LINE = "review_sub_order_id_line_number_key";
    private static final int OVERDUE_BATCH = 500;

    private final DSLContext dsl;
    private final ReviewsSettings settings;
    private final OrderService orders;
    private final ProductService products;
    private final Clock clock;
    private final ReviewRepository repository = new ReviewRepository();

    ReviewService(DSLContext dsl, ReviewsSettings settings, OrderService orders, ProductService products, Clock clock) {
        this.dsl = dsl;
        this.settings = settings;
        this.orders = orders;
        this.products = products;
        this.clock = clock;
    }

    /** What a customer writes: the line, stars, text by language and image URLs. */
    record NewReview(UUID subOrderId, int lineNumber, int rating, Map<String, String> title, Map<String, String> body,
                     List<String> imageUrls) {
    }

    /** A customer's change: whatever is present replaces what was there. */
    record ReviewChanges(Optional<Integer> rating, Optional<Map<String, String>> title,
                         Optional<Map<String, String>> body, Optional<List<String>> imageUrls) {
    }

    /**
     * The calling customer reviews a line of one of its delivered sub-orders, once. Clean text is published at once
     * (its rating counts in the listing); banned words hold it for moderation. A negative rating starts the
     * merchant's reply deadline.
     */
    Review create(Principal caller, NewReview review) {
        UUID customer = requireCustomer(caller, "Reviews are written by the customer who bought the line.");
        try {
            return dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                PurchasedLine line = orders.purchasedLine(db, caller, review.subOrderId(), review.lineNumber())
                        .orElseThrow(() -> ProblemException.notFound("order line"));
                if (!line.delivered()) {
                    throw ProblemException.conflict("line_not_delivered", "Only delivered lines can be reviewed; this "
                            + "sub-order is " + line.status().wireName() + ".").with("currentState", line.status().wireName());
                }
                OffsetDateTime now = now();
                List<ComplianceFinding> findings = bannedWords(review.title(), review.body());
                Review created = new Review(UUID.randomUUID(), customer, line.storefrontId(), line.merchantId(),
                        line.productId(), line.orderId(), line.subOrderId(), line.lineNumber(), review.rating(),
                        review.title(), review.body(), review.imageUrls(),
                        findings.isEmpty() ? ReviewStatus.PUBLISHED : ReviewStatus.PENDING_MODERATION, findings, null,
                        now.plus(settings.editWindow()), null, null, replyDue(review.rating(), now), null, 1, now, now);
                repository.insert(db, created);
                counted(db, null, created);
                announce(db, EventType.REVIEW_CREATED, "review_created:" + created.id(), created);
                if (created.status().isPublic()) {
                    announce(db, EventType.REVIEW_PUBLISHED, "review_published:" + created.id() + ":1", created);
                }
                return created;
            });
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, ONE_REVIEW_PER_LINE)) {
                throw reviewExists();
            }
            throw e;
        }
    }

    /**
     * The customer changes its review within the edit window: the text is checked again (banned words hold it, clean
     * text publishes a held one; a hidden or removed review cannot be changed), the rating in the listing follows.
     */
    Review edit(Principal caller, UUID id, ReviewChanges changes, ExpectedVersion expected) {
        requireCustomer(caller, "Reviews are changed by the customer who wrote them.");
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Review current = repository.find(db, caller, id, true).orElseThrow(ReviewService::notFound);
            expected.check(current.version());
            if (current.status() == ReviewStatus.HIDDEN || current.status() == ReviewStatus.REMOVED) {
                throw illegalTransition("edit", current);
            }
            OffsetDateTime now = now();
            if (now.isAfter(current.editableUntil())) {
                throw ProblemException.conflict("edit_window_closed", "The review could be changed until "
                        + current.editableUntil() + ".");
            }
            int rating = changes.rating().orElse(current.rating());
            Map<String, String> title = changes.title().orElse(current.title());
            Map<String, String> body = changes.body().orElse(current.body());
            List<ComplianceFinding> findings = bannedWords(title, body);
            boolean unanswered = current.repliedAt() == null;
            OffsetDateTime replyDue = unanswered ? (isNegative(rating)
                    ? Optional.ofNullable(current.replyDueAt()).orElse(replyDue(rating, now)) : null)
                    : current.replyDueAt();
            Review changed = new Review(current.id(), current.customerId(), current.storefrontId(),
                    current.merchantId(), current.productId(), current.orderId(), current.subOrderId(),
                    current.lineNumber(), rating, title, body, changes.imageUrls().orElse(current.imageUrls()),
                    findings.isEmpty() ? ReviewStatus.PUBLISHED : ReviewStatus.PENDING_MODERATION, findings,
                    current.moderationReason(), current.editableUntil(), current.reply(), current.repliedAt(),
                    replyDue, replyDue == null ? null : current.replyOverdueAt(), current.version() + 1,
                    current.createdAt(), now);
            repository.updateContent(db, changed);
            counted(db, current, changed);
            if (changed.status().isPublic() && !current.status().isPublic()) {
                announce(db, EventType.REVIEW_PUBLISHED, "review_published:" + id + ":" + changed.version(), changed);
            }
            return repository.get(db, id);
        });
    }

    /** The operator publishes, hides or removes a review, with its reason; the listing's rating follows. */
    Review moderate(Principal caller, UUID id, ReviewStatus.Moderation action, String reason) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Review current = repository.find(db, caller, id, true).orElseThrow(ReviewService::notFound);
            ReviewStatus next = current.status().after(action)
                    .orElseThrow(() -> illegalTransition(action.pathSegment(), current));
            repository.updateStatus(db, id, next, reason, now());
            Review changed = repository.get(db, id);
            counted(db, current, changed);
            if (next.isPublic()) {
                announce(db, EventType.REVIEW_PUBLISHED, "review_published:" + id + ":" + changed.version(), changed);
            }
            return changed;
        });
    }

    /** The reviewed merchant's one public reply; another merchant's review is not found. */
    Review reply(Principal caller, UUID id, Map<String, String> text) {
        if (caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("Only the reviewed merchant replies to a review.");
        }
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Review current = repository.find(db, caller, id, true).orElseThrow(ReviewService::notFound);
            if (current.repliedAt() != null) {
                throw ProblemException.conflict("review_already_replied", "The review was answered at "
                        + current.repliedAt() + "; a review has one reply.");
            }
            if (current.status() == ReviewStatus.REMOVED) {
                throw illegalTransition("reply", current);
            }
            repository.reply(db, id, text, now());
            return repository.get(db, id);
        });
    }

    Review get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id, false).orElseThrow(ReviewService::notFound);
    }

    Page<Review> list(Principal caller, Optional<UUID> productId, Optional<ReviewStatus> status, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, productId, status, page), page.limit(),
                ReviewRepository::cursorOf);
    }

    /** A product's published reviews: what storefronts show beside the listing. */
    Page<Review> published(UUID productId, PageRequest page) {
        return Page.fromLookahead(repository.published(dsl, productId, page), page.limit(), ReviewRepository::cursorOf);
    }

    /** One change of a review in the feed, with the review as it is now. */
    record ReviewChange(long position, OffsetDateTime changedAt, Review review) {
    }

    /** The caller's review changes after the page's cursor, in the order they became visible (see {@link ChangeLog}). */
    ChangePage<ReviewChange> changes(Principal caller, PageRequest page) {
        return ChangeLog.read(dsl, page, (db, after) -> repository.changes(db, caller, after, page.limit()).stream()
                .map(change -> new ReviewChange(change.position(), change.changedAt(), repository.get(db, change.reviewId())))
                .toList(), ReviewChange::position);
    }

    /**
     * The job {@value #OVERDUE_JOB}: negative reviews whose reply deadline passed unanswered are marked overdue,
     * each once, with a {@code review_reply_overdue} event; safe on every node. Returns how many.
     */
    int markOverdue() {
        int marked = 0;
        int batch;
        do {
            batch = dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                List<Review> overdue = repository.markOverdue(db, now(), OVERDUE_BATCH);
                overdue.forEach(review -> announce(db, EventType.REVIEW_REPLY_OVERDUE,
                        "review_reply_overdue:" + review.id(), review));
                return overdue.size();
            });
            marked += batch;
        } while (batch == OVERDUE_BATCH);
        return marked;
    }

    /** The negative reviews due for the merchant in the period, for its service levels. */
    ReviewRepository.ReplyTimes replyTimes(UUID merchantId, OffsetDateTime from, OffsetDateTime to) {
        return repository.replyTimes(dsl, merchantId, from, to, now());
    }

    OffsetDateTime now() {
        // Microseconds, as PostgreSQL keeps them, so a value read back equals the one written.
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    private boolean isNegative(int rating) {
        return rating <= settings.negativeUpTo();
    }

    private OffsetDateTime replyDue(int rating, OffsetDateTime from) {
        return isNegative(rating) ? from.plus(settings.replyWithin()) : null;
    }

    private List<ComplianceFinding> bannedWords(Map<String, String> title, Map<String, String> body) {
        return products.bannedWordsIn(Map.of("title", title, "body", body));
    }

    /** Moves the listing's ratings by what the review counted before ({@code null}: nothing) and counts now. */
    private void counted(DSLContext db, Review before, Review after) {
        int countDelta = after.countedRatings() - (before == null ? 0 : before.countedRatings());
        long starsDelta = after.countedStars() - (before == null ? 0 : before.countedStars());
        if (countDelta != 0 || starsDelta != 0) {
            products.rate(db, after.productId(), after.merchantId(), countDelta, starsDelta);
        }
    }

    private static void announce(DSLContext db, EventType type, String idempotencyId, Review review) {
        JsonObjectBuilder payload = JSON.createObjectBuilder()
                .add("reviewId", review.id().toString())
                .add("productId", review.productId().toString())
                .add("rating", review.rating())
                .add("status", review.status().wireName());
        if (review.replyDueAt() != null) {
            payload.add("replyDueAt", review.replyDueAt().toString());
        }
        DomainEvents.append(db, new DomainFact(type, idempotencyId, new Parties(review.orderId(), review.subOrderId(),
                review.merchantId(), review.customerId()), payload.build()));
    }

    private static UUID requireCustomer(Principal caller, String detail) {
        return caller.customer().orElseThrow(() -> new ProblemException(403, "customer_required", "Forbidden", detail));
    }

    private static ProblemException illegalTransition(String action, Review current) {
        return ProblemException.conflict("illegal_status_transition", "'" + action + "' is not allowed for a "
                + current.status().wireName() + " review.").with("currentState", current.status().wireName());
    }

    private static ProblemException reviewExists() {
        return ProblemException.conflict("review_exists", "This line has been reviewed; change that review instead.");
    }

    private static ProblemException notFound() {
        return ProblemException.notFound("review");
    }
}
