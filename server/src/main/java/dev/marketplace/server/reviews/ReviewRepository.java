package dev.marketplace.server.reviews;

import static dev.marketplace.schema.Tables.CHANGE_LOG;
import static dev.marketplace.schema.Tables.REVIEW;
import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.schema.tables.records.ReviewRecord;
import dev.marketplace.server.catalog.ComplianceFinding;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * The review table; runs in the caller's transaction. A review is owned by the reviewed merchant and belongs to
 * its customer: the merchant sees the reviews of its products, the customer (through a storefront) its own, the
 * operator all (decision 28's rule).
 */
final class ReviewRepository {

    private static final Tenancy.Owners OWNERS = Tenancy.Owners.of(PrincipalType.MERCHANT, REVIEW.MERCHANT_ID)
            .withCustomer(REVIEW.CUSTOMER_ID, Tenancy.CustomerRows.SHARED_WITH_OWNER);

    static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, OWNERS);
    }

    void insert(DSLContext db, Review review) {
        db.insertInto(REVIEW)
                .set(REVIEW.ID, review.id())
                .set(REVIEW.CUSTOMER_ID, review.customerId())
                .set(REVIEW.STOREFRONT_ID, review.storefrontId())
                .set(REVIEW.MERCHANT_ID, review.merchantId())
                .set(REVIEW.PRODUCT_ID, review.productId())
                .set(REVIEW.ORDER_ID, review.orderId())
                .set(REVIEW.SUB_ORDER_ID, review.subOrderId())
                .set(REVIEW.LINE_NUMBER, review.lineNumber())
                .set(REVIEW.RATING, (short) review.rating())
                .set(REVIEW.TITLE, jsonObject(review.title()))
                .set(REVIEW.BODY, jsonObject(review.body()))
                .set(REVIEW.IMAGE_URLS, review.imageUrls().toArray(String[]::new))
                .set(REVIEW.STATUS, review.status().wireName())
                .set(REVIEW.COMPLIANCE_FINDINGS, findingsJson(review.complianceFindings()))
                .set(REVIEW.EDITABLE_UNTIL, review.editableUntil())
                .set(REVIEW.REPLY_DUE_AT, review.replyDueAt())
                .set(REVIEW.CREATED_AT, review.createdAt())
                .set(REVIEW.UPDATED_AT, review.updatedAt())
                .execute();
    }

    Optional<Review> find(DSLContext db, Principal viewer, UUID id, boolean forUpdate) {
        var query = db.selectFrom(REVIEW).where(REVIEW.ID.eq(id)).and(visibleTo(viewer));
        return (forUpdate ? query.forUpdate().fetchOptional() : query.fetchOptional()).map(ReviewRepository::review);
    }

    Review get(DSLContext db, UUID id) {
        return review(db.selectFrom(REVIEW).where(REVIEW.ID.eq(id)).fetchSingle());
    }

    /** The viewer's reviews, newest first, optionally of one product and in one status. */
    List<Review> list(DSLContext db, Principal viewer, Optional<UUID> productId, Optional<ReviewStatus> status,
                      PageRequest page) {
        return db.selectFrom(REVIEW).where(visibleTo(viewer))
                .and(productId.map(REVIEW.PRODUCT_ID::eq).orElse(DSL.noCondition()))
                .and(status.map(s -> REVIEW.STATUS.eq(s.wireName())).orElse(DSL.noCondition()))
                .and(after(page))
                .orderBy(REVIEW.CREATED_AT.desc(), REVIEW.ID.desc())
                .limit(page.fetchSize())
                .fetch(ReviewRepository::review);
    }

    /** A product's published reviews, newest first: what storefronts show, to anyone (review_product_published_idx). */
    List<Review> published(DSLContext db, UUID productId, PageRequest page) {
        return db.selectFrom(REVIEW)
                .where(REVIEW.PRODUCT_ID.eq(productId)).and(REVIEW.STATUS.eq(ReviewStatus.PUBLISHED.wireName()))
                .and(after(page))
                .orderBy(REVIEW.CREATED_AT.desc(), REVIEW.ID.desc())
                .limit(page.fetchSize())
                .fetch(ReviewRepository::review);
    }

    private static Condition after(PageRequest page) {
        return page.after().map(cursor -> DSL.row(REVIEW.CREATED_AT, REVIEW.ID)
                        .lt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
    }

    static Cursor cursorOf(Review review) {
        return Cursor.of(review.createdAt().toString(), review.id().toString());
    }

    /** A position in the review feed: which review changed, and when. */
    record Change(long position, OffsetDateTime changedAt, UUID reviewId) {
    }

    /** The viewer's review changes after {@code afterPosition}, in feed order; the operator sees all. */
    List<Change> changes(DSLContext db, Principal viewer, long afterPosition, int limit) {
        Condition visible = Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, CHANGE_LOG.MERCHANT_ID));
        return db.select(CHANGE_LOG.POSITION, CHANGE_LOG.CHANGED_AT, CHANGE_LOG.ENTITY_ID).from(CHANGE_LOG)
                .where(CHANGE_LOG.FEED.eq(ChangeLog.REVIEWS)).and(CHANGE_LOG.POSITION.gt(afterPosition)).and(visible)
                .orderBy(CHANGE_LOG.POSITION)
                .limit(limit)
                .fetch(row -> new Change(row.value1(), row.value2(), row.value3()));
    }

    /** The customer's new text and rating, and where the compliance check leaves the review. */
    void updateContent(DSLContext db, Review changed) {
        db.update(REVIEW)
                .set(REVIEW.RATING, (short) changed.rating())
                .set(REVIEW.TITLE, jsonObject(changed.title()))
                .set(REVIEW.BODY, jsonObject(changed.body()))
                .set(REVIEW.IMAGE_URLS, changed.imageUrls().toArray(String[]::new))
                .set(REVIEW.STATUS, changed.status().wireName())
                .set(REVIEW.COMPLIANCE_FINDINGS, findingsJson(changed.complianceFindings()))
                .set(REVIEW.REPLY_DUE_AT, changed.replyDueAt())
                .set(REVIEW.REPLY_OVERDUE_AT, changed.replyOverdueAt())
                .set(REVIEW.VERSION, REVIEW.VERSION.plus(1))
                .set(REVIEW.UPDATED_AT, changed.updatedAt())
                .where(REVIEW.ID.eq(changed.id()))
                .execute();
    }

    void updateStatus(DSLContext db, UUID id, ReviewStatus status, String reason, OffsetDateTime at) {
        db.update(REVIEW)
                .set(REVIEW.STATUS, status.wireName())
                .set(REVIEW.MODERATION_REASON, reason)
                .set(REVIEW.VERSION, REVIEW.VERSION.plus(1))
                .set(REVIEW.UPDATED_AT, at)
                .where(REVIEW.ID.eq(id))
                .execute();
    }

    void reply(DSLContext db, UUID id, Map<String, String> reply, OffsetDateTime at) {
        db.update(REVIEW)
                .set(REVIEW.REPLY, jsonObject(reply))
                .set(REVIEW.REPLIED_AT, at)
                .set(REVIEW.VERSION, REVIEW.VERSION.plus(1))
                .set(REVIEW.UPDATED_AT, at)
                .where(REVIEW.ID.eq(id))
                .execute();
    }

    /**
     * Marks at most {@code limit} negative reviews whose reply deadline passed by {@code now} unanswered as overdue,
     * returning them; rows another node is marking are skipped ({@code SKIP LOCKED}), and a marked one is never
     * marked again, so each is reported once whatever the number of nodes.
     */
    List<Review> markOverdue(DSLContext db, OffsetDateTime now, int limit) {
        List<UUID> due = db.select(REVIEW.ID).from(REVIEW)
                .where(REVIEW.REPLY_DUE_AT.le(now)).and(REVIEW.REPLIED_AT.isNull()).and(REVIEW.REPLY_OVERDUE_AT.isNull())
                .and(REVIEW.REPLY_DUE_AT.isNotNull())
                .and(REVIEW.STATUS.in(Arrays.stream(ReviewStatus.values()).filter(ReviewStatus::awaitsReply)
                        .map(ReviewStatus::wireName).toList()))
                .orderBy(REVIEW.REPLY_DUE_AT)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(REVIEW.ID);
        if (due.isEmpty()) {
            return List.of();
        }
        return db.update(REVIEW)
                .set(REVIEW.REPLY_OVERDUE_AT, now)
                .set(REVIEW.VERSION, REVIEW.VERSION.plus(1))
                .set(REVIEW.UPDATED_AT, now)
                .where(REVIEW.ID.eq(DSL.any(due.toArray(UUID[]::new))))
                .returning()
                .fetch(ReviewRepository::review);
    }

    /** A merchant's negative reviews due in a period, for its service levels. */
    record ReplyTimes(int due, int answeredInTime, int overdue) {
    }

    /**
     * The merchant's negative reviews whose reply deadline fell in [{@code from}, {@code to}) and has passed by
     * {@code now} or was met (hidden and removed ones left out): how many, how many answered by the deadline, and
     * how many are still unanswered past it.
     */
    ReplyTimes replyTimes(DSLContext db, UUID merchantId, OffsetDateTime from, OffsetDateTime to, OffsetDateTime now) {
        var answeredInTime = DSL.count().filterWhere(REVIEW.REPLIED_AT.le(REVIEW.REPLY_DUE_AT));
        var overdue = DSL.count().filterWhere(REVIEW.REPLIED_AT.isNull());
        var row = db.select(DSL.count(), answeredInTime, overdue).from(REVIEW)
                .where(REVIEW.MERCHANT_ID.eq(merchantId))
                .and(REVIEW.REPLY_DUE_AT.ge(from)).and(REVIEW.REPLY_DUE_AT.lt(to))
                .and(REVIEW.REPLY_DUE_AT.le(now).or(REVIEW.REPLIED_AT.isNotNull()))
                .and(REVIEW.STATUS.in(Arrays.stream(ReviewStatus.values()).filter(ReviewStatus::awaitsReply)
                        .map(ReviewStatus::wireName).toList()))
                .fetchSingle();
        return new ReplyTimes(row.value1(), row.value2(), row.value3());
    }

    /** Merchants with a negative review due in [{@code from}, {@code to}): those the evaluation job looks at. */
    List<UUID> merchantsWithNegativeReviews(DSLContext db, OffsetDateTime from, OffsetDateTime to) {
        return db.selectDistinct(REVIEW.MERCHANT_ID).from(REVIEW)
                .where(REVIEW.REPLY_DUE_AT.ge(from)).and(REVIEW.REPLY_DUE_AT.lt(to))
                .fetch(REVIEW.MERCHANT_ID);
    }

    private static Review review(ReviewRecord row) {
        return new Review(row.getId(), row.getCustomerId(), row.getStorefrontId(), row.getMerchantId(),
                row.getProductId(), row.getOrderId(), row.getSubOrderId(), row.getLineNumber(), row.getRating(),
                stringMap(row.getTitle()), stringMap(row.getBody()), Arrays.asList(row.getImageUrls()),
                ReviewStatus.fromWireName(row.getStatus()), findings(row.getComplianceFindings()),
                row.getModerationReason(), row.getEditableUntil(),
                row.getReply() == null ? null : stringMap(row.getReply()), row.getRepliedAt(), row.getReplyDueAt(),
                row.getReplyOverdueAt(), row.getVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }

    private static JSONB jsonObject(Map<String, String> map) {
        JsonObjectBuilder object = JSON.createObjectBuilder();
        map.forEach(object::add);
        return JSONB.jsonb(object.build().toString());
    }

    private static Map<String, String> stringMap(JSONB json) {
        try (JsonReader reader = JSON.createReader(new StringReader(json.data()))) {
            JsonObject object = reader.readObject();
            return object.keySet().stream().collect(Collectors.toMap(key -> key, object::getString,
                    (a, b) -> a, LinkedHashMap::new));
        }
    }

    private static JSONB findingsJson(List<ComplianceFinding> findings) {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        findings.forEach(f -> array.add(JSON.createObjectBuilder().add("word", f.word()).add("field", f.field())));
        return JSONB.jsonb(array.build().toString());
    }

    private static List<ComplianceFinding> findings(JSONB json) {
        try (JsonReader reader = JSON.createReader(new StringReader(json.data()))) {
            return reader.readArray().getValuesAs(JsonObject.class).stream()
                    .map(f -> new ComplianceFinding(f.getString("word"), f.getString("field"))).toList();
        }
    }
}
