package dev.marketplace.server.platform.changes;

import io.helidon.config.Config;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.jooq.DSLContext;

/**
 * How long the change log keeps changes ({@code changes.retention.days}, default 30): long enough for any mirror
 * that polls now and then, short enough that the log does not grow for ever. Older changes are pruned by a job
 * that runs on every node (only one prunes at a time: see {@link ChangeLog#prune}).
 */
public record ChangeRetention(Duration keep) {

    /** Rows deleted per transaction: short transactions that never hold the feed back for long. */
    private static final int BATCH = 10_000;

    public ChangeRetention {
        if (keep.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("changes.retention.days must be at least 1");
        }
    }

    /** From the {@code changes} configuration node. */
    public static ChangeRetention from(Config changes) {
        return new ChangeRetention(Duration.ofDays(changes.get("retention.days").asInt().get()));
    }

    /** Deletes the changes older than the retention; returns how many. */
    public long pruneExpired(DSLContext dsl) {
        return ChangeLog.prune(dsl, OffsetDateTime.now().minus(keep), BATCH);
    }
}
