package dev.marketplace.server.platform.changes;

import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import io.helidon.config.Config;
import java.time.Duration;
import org.jooq.DSLContext;

/** The change feeds' and domain events' positions (settling) and the feeds' retention. Reads {@code changes.*}. */
public final class ChangesModule implements Module {

    public static final String SETTLING_JOB = "changes.settling";
    public static final String RETENTION_JOB = "changes.retention";
    /** How often each node settles pending changes and events, so a reader rarely has any to settle itself. */
    private static final Duration SETTLING_EVERY = Duration.ofSeconds(1);
    /** How often each node prunes changes past their retention (safe on many nodes: advisory lock). */
    private static final Duration PRUNING_EVERY = Duration.ofMinutes(10);

    private final DSLContext dsl;
    private final ChangeRetention retention;

    public ChangesModule(Config changes, DSLContext dsl) {
        this.dsl = dsl;
        this.retention = ChangeRetention.from(changes);
    }

    @Override
    public String name() {
        return "changes";
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(SETTLING_JOB, SETTLING_EVERY, SETTLING_EVERY, () -> ChangeLog.settleUnlessBusy(dsl));
        jobs.schedule(RETENTION_JOB, PRUNING_EVERY, PRUNING_EVERY, () -> retention.pruneExpired(dsl));
    }
}
