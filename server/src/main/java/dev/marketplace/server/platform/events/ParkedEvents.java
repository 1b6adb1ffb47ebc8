package dev.marketplace.server.platform.events;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.PARKED_EVENT;

import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * The events subscribers gave up on (decision 25 parks a poison event instead of blocking its subscriber): the
 * operator lists them and, once the cause is fixed, hands each back to its subscriber.
 */
public final class ParkedEvents {

    /** A parked event with what is known of its failure. */
    public record ParkedEvent(String subscriber, long position, UUID eventId, String eventType, int attempts,
                              String error, OffsetDateTime parkedAt) {
    }

    private final DSLContext dsl;
    private final EventSubscribers subscribers;

    public ParkedEvents(DSLContext dsl, EventSubscribers subscribers) {
        this.dsl = dsl;
        this.subscribers = subscribers;
    }

    /** By subscriber, then position. */
    public Page<ParkedEvent> list(PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(PARKED_EVENT.SUBSCRIBER, PARKED_EVENT.EVENT_POSITION)
                        .gt(cursor.keys().get(0), Long.parseLong(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return Page.fromLookahead(dsl.select(PARKED_EVENT.fields()).select(DOMAIN_EVENT.TYPE)
                        .from(PARKED_EVENT).join(DOMAIN_EVENT).on(DOMAIN_EVENT.POSITION.eq(PARKED_EVENT.EVENT_POSITION))
                        .where(after)
                        .orderBy(PARKED_EVENT.SUBSCRIBER, PARKED_EVENT.EVENT_POSITION)
                        .limit(page.fetchSize())
                        .fetch(ParkedEvents::parked),
                page.limit(), parked -> Cursor.of(parked.subscriber(), Long.toString(parked.position())));
    }

    /**
     * Runs the subscriber's handler on the parked event in a transaction of its own: on success the event is no
     * longer parked; on failure it stays, with one more attempt and the new error, and this answers 409.
     */
    public ParkedEvent retry(String subscriberName, long position) {
        Subscriber subscriber = subscribers.subscriber(subscriberName)
                .orElseThrow(() -> ProblemException.notFound("parked event"));
        Retry retry = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Optional<ParkedEvent> parked = db.select(PARKED_EVENT.fields()).select(DOMAIN_EVENT.TYPE)
                    .from(PARKED_EVENT).join(DOMAIN_EVENT).on(DOMAIN_EVENT.POSITION.eq(PARKED_EVENT.EVENT_POSITION))
                    .where(PARKED_EVENT.SUBSCRIBER.eq(subscriberName), PARKED_EVENT.EVENT_POSITION.eq(position))
                    .forUpdate().of(PARKED_EVENT)
                    .fetchOptional(ParkedEvents::parked);
            if (parked.isEmpty()) {
                return new Retry(Optional.empty(), null);
            }
            StoredEvent event = DomainEvents.at(db, position).orElseThrow();
            try {
                db.transaction(savepoint -> subscriber.handler().handle(savepoint.dsl(), event));
            } catch (RuntimeException e) {
                String error = e.getClass().getName() + ": " + e.getMessage();
                db.update(PARKED_EVENT).set(PARKED_EVENT.ATTEMPTS, PARKED_EVENT.ATTEMPTS.plus(1))
                        .set(PARKED_EVENT.ERROR, error)
                        .where(PARKED_EVENT.SUBSCRIBER.eq(subscriberName), PARKED_EVENT.EVENT_POSITION.eq(position))
                        .execute();
                return new Retry(parked, error);
            }
            db.deleteFrom(PARKED_EVENT)
                    .where(PARKED_EVENT.SUBSCRIBER.eq(subscriberName), PARKED_EVENT.EVENT_POSITION.eq(position))
                    .execute();
            return new Retry(parked, null);
        });
        ParkedEvent handled = retry.parked().orElseThrow(() -> ProblemException.notFound("parked event"));
        if (retry.error() != null) {
            throw ProblemException.conflict("event_handling_failed", "the subscriber failed again: " + retry.error());
        }
        return handled;
    }

    /** What a retry found (empty: not parked) and, when the handler failed again, its error. */
    private record Retry(Optional<ParkedEvent> parked, String error) {
    }

    private static ParkedEvent parked(Record row) {
        return new ParkedEvent(row.get(PARKED_EVENT.SUBSCRIBER), row.get(PARKED_EVENT.EVENT_POSITION),
                row.get(PARKED_EVENT.EVENT_ID), row.get(DOMAIN_EVENT.TYPE), row.get(PARKED_EVENT.ATTEMPTS),
                row.get(PARKED_EVENT.ERROR), row.get(PARKED_EVENT.PARKED_AT));
    }
}
