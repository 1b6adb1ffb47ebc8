package dev.marketplace.server.platform.persistence;

import java.time.Duration;
import java.time.OffsetDateTime;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * PostgreSQL's clock, in SQL: one clock for every node (decision 62). A lease or a due time written by one node and
 * read by another is set and compared by it, so a node whose own clock is off by seconds takes nothing early.
 * {@code clock_timestamp()}, not {@code now()}: a lease must not start at the beginning of a long transaction.
 */
public final class DatabaseClock {

    private static final Field<OffsetDateTime> NOW = DSL.field("clock_timestamp()", OffsetDateTime.class);

    private DatabaseClock() {
    }

    public static Field<OffsetDateTime> now() {
        return NOW;
    }

    public static Field<OffsetDateTime> nowPlus(Duration duration) {
        return nowPlus(DSL.val(duration.toMillis()));
    }

    /** Now plus this many milliseconds (a {@link RenderedStatement}'s parameter). */
    public static Field<OffsetDateTime> nowPlus(Field<Long> milliseconds) {
        return DSL.field("clock_timestamp() + {0} * interval '1 millisecond'", OffsetDateTime.class, milliseconds);
    }

    public static Field<OffsetDateTime> nowMinus(Duration duration) {
        return nowPlus(duration.negated());
    }
}
