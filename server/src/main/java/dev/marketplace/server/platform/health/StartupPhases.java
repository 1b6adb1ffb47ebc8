package dev.marketplace.server.platform.health;

import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A start's phases in the log, each with how long it took and when it ended (decision 84): an operator reading a slow
 * start sees which part was slow. Phases may run side by side on different threads, so each line gives both, and the
 * CPU its thread spent in it (decision 125): on a busy machine the wall times say more about the load than the work.
 */
public final class StartupPhases {

    private static final System.Logger LOG = System.getLogger(StartupPhases.class.getName());
    /** How many of a phase's parts its line names, the slowest first. */
    private static final int PARTS_NAMED = 5;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long startedNanos = System.nanoTime();

    /** Runs one phase and logs {@code start-up: <phase> in N ms (M ms into the start)}. */
    public <T> T timed(String phase, Supplier<T> work) {
        Phase timed = begin(phase);
        T result = work.get();
        timed.ended();
        return result;
    }

    /** The same for a phase whose result is nothing. */
    public void timed(String phase, Runnable work) {
        timed(phase, () -> {
            work.run();
            return null;
        });
    }

    /** Runs a phase on a thread of its own, beside the start's; the work may name its parts. */
    public <T> CompletableFuture<T> beside(String phase, Function<Phase, T> work) {
        return CompletableFuture.supplyAsync(() -> {
            Phase timed = begin(phase);
            T result = work.apply(timed);
            timed.ended();
            return result;
        }, runnable -> Thread.ofPlatform().name("start-up: " + phase).start(runnable));
    }

    /** The result of work done {@linkplain #beside beside} the start, its failure thrown as this thread's. */
    public static <T> T joined(CompletableFuture<T> work) {
        try {
            return work.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** Begins a phase, logged when it {@linkplain Phase#ended ends}. */
    public Phase begin(String phase) {
        return new Phase(phase);
    }

    /** A phase under way; if made of parts done one after the other (the modules' constructions), its line names the slowest. */
    public final class Phase {

        private final String phase;
        private final long phaseStarted = System.nanoTime();
        /** A phase begins and ends on one thread. */
        private final long phaseCpuStarted = THREADS.getCurrentThreadCpuTime();
        private final List<Part> parts = new ArrayList<>();
        private long partStarted = phaseStarted;
        private long partCpuStarted = phaseCpuStarted;

        private record Part(String name, long nanos, long cpuNanos) {
        }

        private Phase(String phase) {
            this.phase = phase;
        }

        /** Notes a part that ended now, begun when the previous one ended (or the phase began). */
        public void partEnded(String name) {
            long now = System.nanoTime();
            long cpuNow = THREADS.getCurrentThreadCpuTime();
            parts.add(new Part(name, now - partStarted, cpuNow - partCpuStarted));
            partStarted = now;
            partCpuStarted = cpuNow;
        }

        /** Logs the phase, with its slowest parts if it has any. */
        public void ended() {
            long now = System.nanoTime();
            String slowest = parts.isEmpty() ? "" : parts.stream()
                    .sorted(Comparator.comparingLong(Part::nanos).reversed()).limit(PARTS_NAMED)
                    .map(part -> part.name() + " " + part.nanos() / 1_000_000 + " ms (" + part.cpuNanos() / 1_000_000
                            + " of CPU)")
                    .collect(Collectors.joining(", ", "; slowest: ", ""));
            LOG.log(Level.INFO, "start-up: " + phase + " in " + (now - phaseStarted) / 1_000_000 + " ms ("
                    + (now - startedNanos) / 1_000_000 + " ms into the start, "
                    + (THREADS.getCurrentThreadCpuTime() - phaseCpuStarted) / 1_000_000 + " ms of its thread's CPU"
                    + slowest + ")");
        }
    }
}
