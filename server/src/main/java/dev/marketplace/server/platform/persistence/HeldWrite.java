package dev.marketplace.server.platform.persistence;

import java.time.Duration;

/**
 * A write that is made again while a lease its writer holds lasts (decisions 72, 80): the bookkeeping of a finished
 * keyed request (the key's lease) and the outcomes of webhook attempts already sent (the endpoint's lease). Past the
 * lease another node may hold what the lease guarded, and the write is given up.
 *
 * <p>Only a failure a later try can get past is tried again ({@link DatabaseFailures#mayPassLater}): the database
 * unreachable or refusing for now, a serialization failure or deadlock, a lock or statement timeout. Any other failure
 * (a constraint, a bug) would fail the same way every time and is thrown at once.
 */
public final class HeldWrite {

    private static final System.Logger LOG = System.getLogger(HeldWrite.class.getName());

    private HeldWrite() {
    }

    /**
     * Runs {@code write}; while it fails in a way that {@link DatabaseFailures#mayPassLater}, runs it again every
     * {@code every} until {@code leaseEnds} (a {@link System#nanoTime()} instant, counted from when the lease was
     * taken) would be passed.
     * Logs once that it waits, once that it wrote after all or gave up. Throws the failure that ended the tries; an
     * interrupt (the node stopping) ends them too, with the thread's interrupt kept.
     */
    public static void write(String what, Duration every, long leaseEnds, Runnable write) {
        boolean told = false;
        while (true) {
            try {
                write.run();
                if (told) {
                    LOG.log(System.Logger.Level.INFO, what + ": written after all");
                }
                return;
            } catch (RuntimeException failure) {
                if (!DatabaseFailures.mayPassLater(failure)) {
                    if (told) {
                        LOG.log(System.Logger.Level.WARNING, what + ": given up, the failure would recur", failure);
                    }
                    throw failure;
                }
                if (System.nanoTime() + every.toNanos() - leaseEnds > 0) {
                    LOG.log(System.Logger.Level.WARNING, what + ": given up at the end of the lease", failure);
                    throw failure;
                }
                if (!told) {
                    told = true;
                    LOG.log(System.Logger.Level.WARNING, what + ": could not be written; trying again every " + every
                            + " while the lease lasts", failure);
                }
                try {
                    Thread.sleep(every);
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                    throw failure;
                }
            }
        }
    }
}
