package dev.marketplace.server.platform.jobs;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The background jobs of one node, each named, on its own schedule and in its own failure domain: every run gets
 * its own virtual thread, so a slow job (a provider call) never delays a fast one (settling, expiry), and a failing
 * job is logged, counted and run again at its next turn without touching the others. A job runs again
 * {@code every} after its previous run ended, never twice at once on a node; on several nodes a job is made safe by
 * its own SQL ({@code SKIP LOCKED}, advisory locks, leases). Tests run a job by name with {@link #runNow}.
 *
 * <p>Metrics, tagged {@code job}: {@code jobs_runs_total{outcome=success|failure}} and {@code jobs_duration_seconds}.
 */
public final class Jobs implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Jobs.class.getName());
    /**
     * How long a stop lets runs under way finish undisturbed, by default. Most runs take milliseconds; an interrupt in
     * the middle of a statement closes the pooled connection's socket under it (pgjdbc: "Closed by interrupt", 08006),
     * which logged a failed run and a broken connection at every stop.
     */
    private static final Duration FINISH = Duration.ofMillis(500);
    /** How long a stop then waits for interrupted runs (provider calls) to record what they did. */
    private static final Duration WIND_UP = Duration.ofSeconds(5);

    /** A job's work; returns how much it did (rows, events), for its logs and for tests. */
    @FunctionalInterface
    public interface Work {
        long run();
    }

    private final MeterRegistry meters;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    /** Only keeps time: it hands every due run to a virtual thread of its own and never runs a job itself. */
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("jobs-clock").factory());
    private final ExecutorService runs = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("job-", 0).factory());
    private final Duration stopGrace;
    /** The first turns of jobs scheduled while held, taken when {@link #begin} is called; null once begun. */
    private List<Runnable> heldFirstTurns;
    private volatile boolean stopping;

    public Jobs(MeterRegistry meters) {
        this(meters, FINISH);
    }

    /** With {@code stopGrace}: zero for a node a test kills (its runs interrupted at once, as if it died). */
    public Jobs(MeterRegistry meters, Duration stopGrace) {
        this.meters = meters;
        this.stopGrace = stopGrace;
    }

    /**
     * Jobs whose schedules begin only at {@link #begin}: a starting server schedules its jobs while it builds its routes
     * and lets them run once it serves, so their first (cold) runs do not take the cores its start needs (decision 113).
     */
    public static Jobs heldUntilBegun(MeterRegistry meters) {
        Jobs jobs = new Jobs(meters);
        jobs.heldFirstTurns = new ArrayList<>();
        return jobs;
    }

    /**
     * Schedules {@code work} as {@code name}: first after {@code firstAfter}, then {@code every} after each run ends.
     * While held, {@code firstAfter} counts from {@link #begin}.
     */
    public synchronized void schedule(String name, Duration firstAfter, Duration every, Work work) {
        if (jobs.containsKey(name)) {
            throw new IllegalArgumentException("a job named " + name + " is already scheduled");
        }
        Job job = new Job(name, every, work);
        jobs.put(name, job);
        Runnable firstTurn = () -> clock.schedule(() -> runs.execute(job::runScheduled), firstAfter.toMillis(),
                TimeUnit.MILLISECONDS);
        if (heldFirstTurns != null) {
            heldFirstTurns.add(firstTurn);
        } else {
            firstTurn.run();
        }
    }

    /** Lets held jobs begin their schedules; jobs that were not held, or have begun, are left as they are. */
    public synchronized void begin() {
        if (heldFirstTurns != null) {
            heldFirstTurns.forEach(Runnable::run);
            heldFirstTurns = null;
        }
    }

    /** The names of the scheduled jobs, in the order they were scheduled. */
    public synchronized List<String> names() {
        return List.copyOf(jobs.keySet());
    }

    /**
     * Runs the job now in the calling thread (after its scheduled run, if one is under way) and returns what it
     * returned; its exception is thrown. For tests, which must not wait for a schedule.
     */
    public long runNow(String name) {
        Job job;
        synchronized (this) {
            job = jobs.get(name);
        }
        if (job == null) {
            throw new IllegalArgumentException("no job named " + name + "; jobs: " + names());
        }
        job.lock.lock();
        try {
            return job.measured();
        } finally {
            job.lock.unlock();
        }
    }

    /**
     * Stops scheduling; runs under way may finish for the stop's grace ({@link #FINISH} by default), then those left
     * (a slow provider call) are interrupted and get a few seconds to wind up (release their claims and leases,
     * decision 50) before the caller closes the database under them.
     */
    @Override
    public void close() {
        stopping = true;
        clock.shutdownNow();
        runs.shutdown();
        try {
            if (runs.awaitTermination(stopGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            runs.shutdownNow();
            if (!runs.awaitTermination(WIND_UP.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "jobs still running " + WIND_UP + " after the stop; left to their leases");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Job {

        private final String name;
        private final Duration every;
        private final Work work;
        private final ReentrantLock lock = new ReentrantLock();
        private final Timer duration;
        /** Looked up once: a registry lookup per run was 3 % of the jobs' and subscribers' samples (decision 147). */
        private final Counter successes;
        private final Counter failures;

        private Job(String name, Duration every, Work work) {
            this.name = name;
            this.every = every;
            this.work = work;
            this.duration = meters.getOrCreate(Timer.builder("jobs.duration")
                    .tags(List.of(Tag.create("job", name)))
                    .description("How long runs of a background job take"));
            this.successes = runsCounter(name, "success");
            this.failures = runsCounter(name, "failure");
        }

        private void runScheduled() {
            try {
                // A run asked for by runNow is under way: this turn is skipped rather than queued behind it.
                if (lock.tryLock()) {
                    try {
                        measured();
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (RuntimeException e) {
                if (stopping) {
                    // Interrupted by the stop (after its grace): expected, its claims and leases are released or lapse.
                    LOG.log(System.Logger.Level.INFO, "job " + name + " ended by the stop: " + e);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "job " + name + " failed; it runs again in " + every, e);
                }
            } finally {
                try {
                    clock.schedule(() -> runs.execute(this::runScheduled), every.toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopped) {
                    // closed: no further turns
                }
            }
        }

        private long measured() {
            long started = System.nanoTime();
            try {
                long done = work.run();
                successes.increment();
                return done;
            } catch (RuntimeException e) {
                failures.increment();
                throw e;
            } finally {
                duration.record(Duration.ofNanos(System.nanoTime() - started));
            }
        }

        private Counter runsCounter(String name, String outcome) {
            return meters.getOrCreate(Counter.builder("jobs.runs")
                    .tags(List.of(Tag.create("job", name), Tag.create("outcome", outcome)))
                    .description("Runs of a background job by outcome"));
        }
    }
}
