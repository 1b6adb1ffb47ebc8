package dev.marketplace.server.platform.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.testing.Await;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobsTest {

    private static final Duration SOON = Duration.ofMillis(10);

    private final Jobs jobs = new Jobs(Metrics.globalRegistry());
    /** Unique per test: the metrics registry is global. */
    private final String prefix = "test-" + UUID.randomUUID() + ".";

    @AfterEach
    void close() {
        jobs.close();
    }

    @Test
    void aFailingJobIsCountedAndRunsAgainWhileAnotherKeepsRunning() {
        AtomicInteger failingRuns = new AtomicInteger();
        AtomicInteger healthyRuns = new AtomicInteger();
        jobs.schedule(prefix + "failing", SOON, SOON, () -> {
            failingRuns.incrementAndGet();
            throw new IllegalStateException("broken on purpose");
        });
        jobs.schedule(prefix + "healthy", SOON, SOON, healthyRuns::incrementAndGet);

        Await.until(Duration.ofSeconds(10), "both jobs ran several times",
                () -> failingRuns.get() >= 3 && healthyRuns.get() >= 3);
        assertThat(runs(prefix + "failing", "failure")).isGreaterThanOrEqualTo(3);
        assertThat(runs(prefix + "failing", "success")).isZero();
        assertThat(runs(prefix + "healthy", "success")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void heldJobsRunOnlyOnceBegun() {
        Jobs held = Jobs.heldUntilBegun(Metrics.globalRegistry());
        try {
            AtomicInteger heldRuns = new AtomicInteger();
            AtomicInteger ordinaryRuns = new AtomicInteger();
            held.schedule(prefix + "held", Duration.ZERO, SOON, heldRuns::incrementAndGet);
            jobs.schedule(prefix + "ordinary", Duration.ZERO, SOON, ordinaryRuns::incrementAndGet);

            Await.until(Duration.ofSeconds(10), "a job not held ran several times", () -> ordinaryRuns.get() >= 3);
            assertThat(heldRuns).hasValue(0);
            assertThat(held.runNow(prefix + "held")).isEqualTo(1); // tests may run a held job by name
            held.begin();
            Await.until(Duration.ofSeconds(10), "the held job ran on its schedule once begun", () -> heldRuns.get() >= 3);
        } finally {
            held.close();
        }
    }

    @Test
    void aSlowJobNeverDelaysAFastOne() throws InterruptedException {
        CountDownLatch slowRunning = new CountDownLatch(1);
        CountDownLatch releaseSlow = new CountDownLatch(1);
        AtomicInteger fastRuns = new AtomicInteger();
        jobs.schedule(prefix + "slow", Duration.ZERO, SOON, () -> {
            slowRunning.countDown();
            try {
                releaseSlow.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        });
        assertThat(slowRunning.await(10, TimeUnit.SECONDS)).isTrue();
        jobs.schedule(prefix + "fast", SOON, SOON, fastRuns::incrementAndGet);

        Await.until(Duration.ofSeconds(10), "the fast job ran while the slow one was stuck", () -> fastRuns.get() >= 5);
        releaseSlow.countDown();
    }

    @Test
    void aStopLetsARunUnderWayFinishUndisturbed() throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicInteger finished = new AtomicInteger();
        jobs.schedule(prefix + "brief", Duration.ZERO, Duration.ofHours(1), () -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            return finished.incrementAndGet();
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        Thread stopping = Thread.ofVirtual().start(jobs::close);
        Await.until(Duration.ofSeconds(10), "the stop waits for the run",
                () -> stopping.getState() == Thread.State.TIMED_WAITING || stopping.getState() == Thread.State.WAITING);
        release.countDown();
        stopping.join();

        assertThat(interrupted).as("a brief run is not interrupted").isFalse();
        assertThat(finished.get()).isEqualTo(1);
    }

    @Test
    void aStopInterruptsARunThatDoesNotFinish() throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        jobs.schedule(prefix + "stuck", Duration.ZERO, Duration.ofHours(1), () -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            return 0;
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        jobs.close();

        assertThat(interrupted).as("interrupted after the stop's grace, so the stop ends").isTrue();
    }

    @Test
    void runNowRunsTheJobByNameAndReturnsWhatItDid() {
        AtomicInteger runs = new AtomicInteger();
        jobs.schedule(prefix + "counting", Duration.ofHours(1), Duration.ofHours(1), () -> 10L * runs.incrementAndGet());

        assertThat(jobs.runNow(prefix + "counting")).isEqualTo(10);
        assertThat(jobs.runNow(prefix + "counting")).isEqualTo(20);
        assertThat(runs(prefix + "counting", "success")).isEqualTo(2);
        assertThat(jobs.names()).containsExactly(prefix + "counting");
    }

    @Test
    void runNowThrowsWhatTheJobThrowsAndRefusesUnknownNames() {
        jobs.schedule(prefix + "broken", Duration.ofHours(1), Duration.ofHours(1), () -> {
            throw new IllegalStateException("broken on purpose");
        });

        assertThatThrownBy(() -> jobs.runNow(prefix + "broken")).hasMessage("broken on purpose");
        assertThat(runs(prefix + "broken", "failure")).isEqualTo(1);
        assertThatThrownBy(() -> jobs.runNow(prefix + "missing")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> jobs.schedule(prefix + "broken", SOON, SOON, () -> 0))
                .as("names are unique").isInstanceOf(IllegalArgumentException.class);
    }

    private static long runs(String job, String outcome) {
        return Metrics.globalRegistry()
                .counter("jobs.runs", List.of(Tag.create("job", job), Tag.create("outcome", outcome)))
                .map(Counter::count)
                .orElse(0L);
    }
}
