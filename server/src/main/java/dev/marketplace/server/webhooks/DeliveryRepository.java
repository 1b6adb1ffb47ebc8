package dev.marketplace.server.webhooks;

import static dev.marketplace.schema.Tables.WEBHOOK_ATTEMPT;
import static dev.marketplace.schema.Tables.WEBHOOK_DELIVERY;
import static dev.marketplace.schema.Tables.WEBHOOK_ENDPOINT;

import dev.marketplace.schema.tables.records.WebhookAttemptRecord;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/** {@code webhook_delivery} and {@code webhook_attempt}: the messages to send and the log of every attempt. */
final class DeliveryRepository {

    /** One message to one endpoint, body fixed at creation. */
    record Delivery(long id, UUID endpointId, UUID eventId, String topic, long sequence, String body, int attempts,
                    OffsetDateTime committedAt) {
    }

    record NewDelivery(UUID endpointId, UUID eventId, String topic, long sequence, String body,
                       OffsetDateTime committedAt, OffsetDateTime due) {
    }

    /** An endpoint taken by one worker until {@code busyUntil}, with its due deliveries in order. */
    record Claim(UUID endpointId, String url, List<Delivery> deliveries) {
    }

    /** One attempt's result, as logged. */
    record Attempt(long id, long deliveryId, UUID eventId, String topic, OffsetDateTime attemptedAt, String outcome,
                   Integer statusCode, int latencyMillis, String responseHead) {
    }

    /** The endpoints that have a delivery of this event already. */
    Set<UUID> endpointsWithDeliveryOf(DSLContext db, UUID eventId) {
        return new HashSet<>(db.select(WEBHOOK_DELIVERY.ENDPOINT_ID).from(WEBHOOK_DELIVERY)
                .where(WEBHOOK_DELIVERY.EVENT_ID.eq(eventId)).fetch(WEBHOOK_DELIVERY.ENDPOINT_ID));
    }

    void insert(DSLContext db, List<NewDelivery> deliveries) {
        if (deliveries.isEmpty()) {
            return;
        }
        var insert = db.insertInto(WEBHOOK_DELIVERY, WEBHOOK_DELIVERY.ENDPOINT_ID, WEBHOOK_DELIVERY.EVENT_ID,
                WEBHOOK_DELIVERY.TOPIC, WEBHOOK_DELIVERY.SEQUENCE, WEBHOOK_DELIVERY.BODY, WEBHOOK_DELIVERY.COMMITTED_AT,
                WEBHOOK_DELIVERY.STATUS, WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT);
        for (NewDelivery d : deliveries) {
            insert = insert.values(d.endpointId(), d.eventId(), d.topic(), d.sequence(), d.body(), d.committedAt(),
                    "pending", d.due());
        }
        insert.execute();
    }

    /**
     * Takes up to {@code endpoints} enabled endpoints that have due deliveries and that no worker holds
     * ({@code SKIP LOCKED}, then {@code busy_until}), marks them busy for {@code lease} and returns each with
     * its first {@code batch} due deliveries (due by {@code now}), oldest first. The lease is on PostgreSQL's clock,
     * so a node whose clock runs ahead does not take an endpoint another node still holds (decision 62).
     */
    List<Claim> claim(DSLContext db, OffsetDateTime now, Duration lease, int endpoints, int batch) {
        List<? extends Record> taken = db.select(WEBHOOK_ENDPOINT.ID, WEBHOOK_ENDPOINT.URL).from(WEBHOOK_ENDPOINT)
                .where(WEBHOOK_ENDPOINT.STATUS.eq("enabled"))
                .and(WEBHOOK_ENDPOINT.BUSY_UNTIL.isNull().or(WEBHOOK_ENDPOINT.BUSY_UNTIL.lt(DatabaseClock.now())))
                .andExists(DSL.selectOne().from(WEBHOOK_DELIVERY)
                        .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(WEBHOOK_ENDPOINT.ID))
                        .and(WEBHOOK_DELIVERY.STATUS.eq("pending"))
                        .and(WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT.le(now)))
                .limit(endpoints)
                .forUpdate().skipLocked()
                .fetch();
        if (taken.isEmpty()) {
            return List.of();
        }
        db.update(WEBHOOK_ENDPOINT).set(WEBHOOK_ENDPOINT.BUSY_UNTIL, DatabaseClock.nowPlus(lease))
                .where(WEBHOOK_ENDPOINT.ID.in(taken.stream().map(row -> row.get(WEBHOOK_ENDPOINT.ID)).toList()))
                .execute();
        List<Claim> claims = new ArrayList<>();
        for (Record endpoint : taken) {
            UUID id = endpoint.get(WEBHOOK_ENDPOINT.ID);
            List<Delivery> due = db.selectFrom(WEBHOOK_DELIVERY)
                    .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(id))
                    .and(WEBHOOK_DELIVERY.STATUS.eq("pending"))
                    .and(WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT.le(now))
                    .orderBy(WEBHOOK_DELIVERY.ID)
                    .limit(batch)
                    .fetch(row -> new Delivery(row.getId(), row.getEndpointId(), row.getEventId(), row.getTopic(),
                            row.getSequence(), row.getBody(), row.getAttempts(), row.getCommittedAt()));
            claims.add(new Claim(id, endpoint.get(WEBHOOK_ENDPOINT.URL), due));
        }
        return claims;
    }

    void release(DSLContext db, UUID endpointId) {
        db.update(WEBHOOK_ENDPOINT).setNull(WEBHOOK_ENDPOINT.BUSY_UNTIL).where(WEBHOOK_ENDPOINT.ID.eq(endpointId)).execute();
    }

    void logAttempts(DSLContext db, List<WebhookAttemptRecord> attempts) {
        if (!attempts.isEmpty()) {
            db.batchInsert(attempts).execute();
        }
    }

    void delivered(DSLContext db, List<Long> deliveryIds, OffsetDateTime at) {
        if (deliveryIds.isEmpty()) {
            return;
        }
        db.update(WEBHOOK_DELIVERY)
                .set(WEBHOOK_DELIVERY.STATUS, "delivered")
                .set(WEBHOOK_DELIVERY.ATTEMPTS, WEBHOOK_DELIVERY.ATTEMPTS.plus(1))
                .set(WEBHOOK_DELIVERY.FINISHED_AT, at)
                .where(WEBHOOK_DELIVERY.ID.in(deliveryIds))
                .execute();
    }

    void retryAt(DSLContext db, long deliveryId, OffsetDateTime next) {
        db.update(WEBHOOK_DELIVERY)
                .set(WEBHOOK_DELIVERY.ATTEMPTS, WEBHOOK_DELIVERY.ATTEMPTS.plus(1))
                .set(WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT, next)
                .where(WEBHOOK_DELIVERY.ID.eq(deliveryId))
                .execute();
    }

    /** Due again at {@code next}, the attempt not counted (it was never sent). */
    void postpone(DSLContext db, long deliveryId, OffsetDateTime next) {
        db.update(WEBHOOK_DELIVERY)
                .set(WEBHOOK_DELIVERY.NEXT_ATTEMPT_AT, next)
                .where(WEBHOOK_DELIVERY.ID.eq(deliveryId))
                .execute();
    }

    void failed(DSLContext db, long deliveryId, OffsetDateTime at) {
        db.update(WEBHOOK_DELIVERY)
                .set(WEBHOOK_DELIVERY.STATUS, "failed")
                .set(WEBHOOK_DELIVERY.ATTEMPTS, WEBHOOK_DELIVERY.ATTEMPTS.plus(1))
                .set(WEBHOOK_DELIVERY.FINISHED_AT, at)
                .where(WEBHOOK_DELIVERY.ID.eq(deliveryId))
                .execute();
    }

    /** The endpoint's attempts, newest first; {@code page.fetchSize()} at most. */
    List<Attempt> attempts(DSLContext db, UUID endpointId, PageRequest page) {
        var after = page.after().map(cursor -> WEBHOOK_ATTEMPT.ID.lt(Long.parseLong(cursor.keys().getFirst())))
                .orElse(DSL.noCondition());
        return db.select(WEBHOOK_ATTEMPT.asterisk(), WEBHOOK_DELIVERY.EVENT_ID, WEBHOOK_DELIVERY.TOPIC)
                .from(WEBHOOK_ATTEMPT).join(WEBHOOK_DELIVERY).on(WEBHOOK_DELIVERY.ID.eq(WEBHOOK_ATTEMPT.DELIVERY_ID))
                .where(WEBHOOK_ATTEMPT.ENDPOINT_ID.eq(endpointId)).and(after)
                .orderBy(WEBHOOK_ATTEMPT.ID.desc())
                .limit(page.fetchSize())
                .fetch(row -> new Attempt(row.get(WEBHOOK_ATTEMPT.ID), row.get(WEBHOOK_ATTEMPT.DELIVERY_ID),
                        row.get(WEBHOOK_DELIVERY.EVENT_ID), row.get(WEBHOOK_DELIVERY.TOPIC),
                        row.get(WEBHOOK_ATTEMPT.ATTEMPTED_AT), row.get(WEBHOOK_ATTEMPT.OUTCOME),
                        row.get(WEBHOOK_ATTEMPT.STATUS_CODE), row.get(WEBHOOK_ATTEMPT.LATENCY_MS),
                        row.get(WEBHOOK_ATTEMPT.RESPONSE_HEAD)));
    }

    static Cursor cursorOf(Attempt attempt) {
        return Cursor.of(Long.toString(attempt.id()));
    }

    /** The latest delivery of the event to the endpoint (the one to copy for a replay). */
    Optional<Delivery> latest(DSLContext db, UUID endpointId, UUID eventId) {
        return db.selectFrom(WEBHOOK_DELIVERY)
                .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(endpointId)).and(WEBHOOK_DELIVERY.EVENT_ID.eq(eventId))
                .orderBy(WEBHOOK_DELIVERY.ID.desc()).limit(1)
                .fetchOptional(row -> new Delivery(row.getId(), row.getEndpointId(), row.getEventId(), row.getTopic(),
                        row.getSequence(), row.getBody(), row.getAttempts(), row.getCommittedAt()));
    }

    /** The endpoint's first deliveries of each event made since {@code since}, in order; {@code limit} at most. */
    List<Delivery> since(DSLContext db, UUID endpointId, OffsetDateTime since, int limit) {
        return db.selectFrom(WEBHOOK_DELIVERY)
                .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(endpointId)).and(WEBHOOK_DELIVERY.CREATED_AT.ge(since))
                .and(WEBHOOK_DELIVERY.TOPIC.ne(WebhookTopics.PING))
                .and(WEBHOOK_DELIVERY.ID.eq(DSL.select(DSL.min(DSL.field(DSL.name("first", "id"), Long.class)))
                        .from(WEBHOOK_DELIVERY.as("first"))
                        .where(DSL.field(DSL.name("first", "endpoint_id"), UUID.class).eq(endpointId))
                        .and(DSL.field(DSL.name("first", "event_id"), UUID.class).eq(WEBHOOK_DELIVERY.EVENT_ID))))
                .orderBy(WEBHOOK_DELIVERY.ID)
                .limit(limit)
                .fetch(row -> new Delivery(row.getId(), row.getEndpointId(), row.getEventId(), row.getTopic(),
                        row.getSequence(), row.getBody(), row.getAttempts(), row.getCommittedAt()));
    }

    /** Deletes finished deliveries and attempts older than {@code cutoff}; how many rows went. */
    int purge(DSLContext db, OffsetDateTime cutoff, int limit) {
        int attempts = db.deleteFrom(WEBHOOK_ATTEMPT).where(WEBHOOK_ATTEMPT.ID.in(DSL.select(WEBHOOK_ATTEMPT.ID)
                .from(WEBHOOK_ATTEMPT).where(WEBHOOK_ATTEMPT.ATTEMPTED_AT.lt(cutoff)).limit(limit))).execute();
        int deliveries = db.deleteFrom(WEBHOOK_DELIVERY).where(WEBHOOK_DELIVERY.ID.in(DSL.select(WEBHOOK_DELIVERY.ID)
                .from(WEBHOOK_DELIVERY).where(WEBHOOK_DELIVERY.CREATED_AT.lt(cutoff))
                .and(WEBHOOK_DELIVERY.STATUS.ne("pending")).limit(limit))).execute();
        return attempts + deliveries;
    }
}
