package dev.marketplace.server.platform.events;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jooq.DSLContext;

/**
 * Reacts to domain events of some types, in the server process; {@link EventSubscribers} runs it (one node at a
 * time, a durable cursor, batches in one transaction, poison events parked).
 *
 * @param name         unique and stable: it names the subscriber's cursor in the database and its metrics
 * @param batchHandler optional (null): handles a whole batch at once, set-based; when it throws, the batch is handled
 *                     again event by event with {@code handler} (retries and parking as usual)
 */
public record Subscriber(String name, Set<EventType> types, Handler handler, BatchHandler batchHandler) {

    public Subscriber {
        Objects.requireNonNull(name);
        types = Set.copyOf(types);
        Objects.requireNonNull(handler);
    }

    /** A subscriber that handles its events one at a time. */
    public Subscriber(String name, Set<EventType> types, Handler handler) {
        this(name, types, handler, null);
    }

    @FunctionalInterface
    public interface Handler {
        /**
         * Handles one event in the batch's transaction {@code tx}, which also moves the subscriber's cursor: what it
         * writes through {@code tx} happens exactly once. An effect outside the database (a provider call) happens
         * at least once and must be idempotent. An exception undoes this event's writes; the event is retried, and
         * parked after repeated failures.
         */
        void handle(DSLContext tx, StoredEvent event);
    }

    /** Handles a batch's events, in position order, with the same effect as handling each in turn. */
    @FunctionalInterface
    public interface BatchHandler {
        /**
         * Handles the events in the batch's transaction {@code tx}, all or nothing: an exception undoes every write
         * of the batch, which is then handled event by event.
         */
        void handle(DSLContext tx, List<StoredEvent> events);
    }
}
