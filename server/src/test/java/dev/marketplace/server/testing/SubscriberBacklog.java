package dev.marketplace.server.testing;

/**
 * "Caught up" for the tests' awaits, as SQL: a subscriber's cursor passes other types' events only when it next handles
 * one of its own (decision 124), so a cursor below {@code settled_through} says nothing; what counts is whether an
 * event of its types ({@code event_subscription.types}, written when it subscribes) is still to be handled.
 */
public final class SubscriberBacklog {

    /**
     * True for the {@code event_subscription} row aliased {@code s} while an event of its types is not yet settled
     * (its position may still fall below the cursor's next stop) or settled past its cursor.
     */
    public static final String BEHIND = """
            EXISTS (SELECT 1 FROM domain_event e
                     WHERE e.type = ANY(s.types) AND (e.position IS NULL OR e.position > s.position))""";

    private SubscriberBacklog() {
    }
}
