package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.server.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ConcurrencyLimitTest {

    private final CountDownLatch finish = new CountDownLatch(1);

    @Test
    void beyondThePermitsARequestIsRefusedWith503AndRetryAfterWhileTheOthersRun() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ofMillis(20));
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);

        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> limit.call(() -> "second"));

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.headers()).containsEntry("Retry-After", "1");
        finish.countDown();
        assertThat(first.getFirst().get()).isEqualTo("held");
        assertThat(limit.call(() -> "third")).as("the permit is back once the first is done").isEqualTo("third");
    }

    @Test
    void aRequestWaitsForAPermitThatFreesUpWithinTheQueueTime() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("searches", 1, Duration.ofSeconds(30));
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> limit.call(() -> "second"));

        finish.countDown();

        assertThat(second.get()).isEqualTo("second");
        assertThat(first.getFirst().get()).isEqualTo("held");
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES) // waiting out the hour's queue would be the failure
    void aRequestThatWouldNotGetAPermitWithinTheQueueTimeAtTheRecentPaceIsRefusedAtOnce() throws Exception {
        AtomicLong now = new AtomicLong();
        ConcurrencyLimit limit = new ConcurrencyLimit("searches", 1, Duration.ofHours(1), now::get);
        holdFor(limit, now, Duration.ofHours(2), ConcurrencyLimit.WINDOW);
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);

        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> limit.call(() -> "second"));

        assertThat(refused.status()).as("refused while the permit is still held, not after an hour").isEqualTo(503);
        assertThat(refused.headers()).containsEntry("Retry-After", "1");
        finish.countDown();
        assertThat(first.getFirst().get()).isEqualTo("held");
    }

    @Test
    void theLimitShrinksWhilePermitsAreHeldLongerThanUnqueuedAndGrowsBackWhenTheyAreNot() throws Exception {
        AtomicLong now = new AtomicLong();
        ConcurrencyLimit limit = new ConcurrencyLimit("searches", 8, Duration.ZERO, now::get);
        holdFor(limit, now, Duration.ofMillis(1), ConcurrencyLimit.WINDOW);
        holdFor(limit, now, Duration.ofMillis(1).multipliedBy((long) ConcurrencyLimit.TOLERANCE),
                10 * ConcurrencyLimit.WINDOW);
        assertThat(limit.permits()).as("held up to the tolerance: not queueing yet").isEqualTo(8);

        holdFor(limit, now, Duration.ofMillis(8), 40 * ConcurrencyLimit.WINDOW);
        int shrunk = limit.permits();
        assertThat(shrunk).as("held 8 times as long as unqueued").isBetween(1, 4);

        List<CompletableFuture<String>> holding = holdingPermits(limit, shrunk);
        assertThat(catchThrowableOfType(ProblemException.class, () -> limit.call(() -> "one more")).status())
                .as("one more than the shrunk limit").isEqualTo(503);
        finish.countDown();
        for (CompletableFuture<String> held : holding) {
            assertThat(held.get()).isEqualTo("held");
        }

        holdFor(limit, now, Duration.ofMillis(1), 40 * ConcurrencyLimit.WINDOW);
        assertThat(limit.permits()).as("unqueued again").isEqualTo(8);
    }

    /** {@code count} calls, each on a thread of its own, holding its permit until {@link #finish} opens. */
    private List<CompletableFuture<String>> holdingPermits(ConcurrencyLimit limit, int count)
            throws InterruptedException {
        CountDownLatch running = new CountDownLatch(count);
        List<CompletableFuture<String>> calls = IntStream.range(0, count).mapToObj(i -> {
            CompletableFuture<String> call = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> call.complete(limit.call(() -> {
                running.countDown();
                await(finish);
                return "held";
            })));
            return call;
        }).toList();
        running.await();
        return calls;
    }

    /** {@code times} calls one after another, each holding its permit for {@code held} on the limit's clock. */
    private static void holdFor(ConcurrencyLimit limit, AtomicLong now, Duration held, int times) {
        for (int i = 0; i < times; i++) {
            limit.call(() -> now.addAndGet(held.toNanos()));
        }
    }

    @Test
    void aWaitingRequestIsAnsweredWithoutAPermitOnceItsCheckWhileWaitingRefusesIt() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ofSeconds(30));
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);
        CountDownLatch soldOut = new CountDownLatch(1);
        CompletableFuture<String> second = onItsOwnThread(() -> limit.call(() -> "second", refusedOnce(soldOut)));
        Await.until(Duration.ofSeconds(30), "the second request waiting", () -> limit.waiting() == 1);

        soldOut.countDown(); // while the first still holds the only permit
        limit.recheckWaiting();

        ProblemException refused = refusalOf(second);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(limit.refused()).as("not counted as shed").isZero();
        finish.countDown();
        assertThat(first.getFirst().get()).isEqualTo("held");
    }

    @Test
    void aPatientRequestWaitsPastTheQueueTimeWhileAnotherIsRefusedAtOnce() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ZERO, Duration.ofSeconds(30), 1);
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);
        CompletableFuture<String> patient = onItsOwnThread(() -> limit.call(() -> "patient", () -> { }, true));
        Await.until(Duration.ofSeconds(30), "the patient request waiting", () -> limit.waiting() == 1);

        ProblemException impatient = catchThrowableOfType(ProblemException.class,
                () -> limit.call(() -> "impatient", () -> { }, false));
        ProblemException onePatientTooMany = catchThrowableOfType(ProblemException.class,
                () -> limit.call(() -> "one patient too many", () -> { }, true));

        assertThat(impatient.status()).as("no queue time: refused at once").isEqualTo(503);
        assertThat(onePatientTooMany.status()).as("beyond the most patient: waits as any other").isEqualTo(503);
        assertThat(onePatientTooMany.headers()).containsEntry("Retry-After", "1");
        finish.countDown();
        assertThat(patient.get()).isEqualTo("patient");
        assertThat(first.getFirst().get()).isEqualTo("held");
    }

    @Test
    void aRequestWaitingWithinTheQueueTimeGetsTheFreedPermitBeforeAPatientOne() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ofSeconds(30), Duration.ofSeconds(30),
                1);
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);
        CountDownLatch queuedRuns = new CountDownLatch(1);
        CountDownLatch queuedMayFinish = new CountDownLatch(1);
        CompletableFuture<String> patient = onItsOwnThread(() -> limit.call(() -> "patient", () -> { }, true));
        Await.until(Duration.ofSeconds(30), "the patient request waiting", () -> limit.waiting() == 1);
        CompletableFuture<String> queued = onItsOwnThread(() -> limit.call(() -> {
            queuedRuns.countDown();
            await(queuedMayFinish);
            return "queued";
        }, () -> { }, false));
        Await.until(Duration.ofSeconds(30), "both waiting", () -> limit.waiting() == 2);

        finish.countDown();

        queuedRuns.await();
        assertThat(patient).as("the patient one still waits while the later, queued one runs").isNotDone();
        assertThat(limit.waiting()).isEqualTo(1);
        queuedMayFinish.countDown();
        assertThat(queued.get()).isEqualTo("queued");
        assertThat(patient.get()).isEqualTo("patient");
    }

    @Test
    void aPatientRequestIsAnsweredWithoutAPermitOnceItsCheckWhileWaitingRefusesIt() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ZERO, Duration.ofHours(1), 1);
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);
        CountDownLatch soldOut = new CountDownLatch(1);
        CompletableFuture<String> patient = onItsOwnThread(() -> limit.call(() -> "patient", refusedOnce(soldOut),
                true));
        Await.until(Duration.ofSeconds(30), "the patient request waiting", () -> limit.waiting() == 1);

        soldOut.countDown(); // while the first still holds the only permit
        limit.recheckWaiting();

        ProblemException refused = refusalOf(patient);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(limit.waiting()).isZero();
        finish.countDown();
        assertThat(first.getFirst().get()).isEqualTo("held");
    }

    @Test
    void aWaiterRunsItsCheckWhenToldAndNotOnATimer() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ofSeconds(30), Duration.ofHours(1), 1);
        List<CompletableFuture<String>> first = holdingPermits(limit, 1);
        AtomicInteger patientChecks = new AtomicInteger();
        AtomicInteger queuedChecks = new AtomicInteger();
        CompletableFuture<String> patient = onItsOwnThread(() -> limit.call(() -> "patient",
                patientChecks::incrementAndGet, true));
        CompletableFuture<String> queued = onItsOwnThread(() -> limit.call(() -> "queued",
                queuedChecks::incrementAndGet, false));
        Await.until(Duration.ofSeconds(30), "both waiting, each having run its check once as it began to wait",
                () -> limit.waiting() == 2 && patientChecks.get() == 1 && queuedChecks.get() == 1);

        // No condition to await: what is asserted is that nothing happens. Checks on a timer (every 20 and 100 ms
        // before decision 110) would have run several times by the end of this sleep.
        Thread.sleep(250);
        assertThat(patientChecks.get() + queuedChecks.get()).as("no check before being told").isEqualTo(2);

        limit.recheckWaiting();
        Await.until(Duration.ofSeconds(30), "each waiter's check run once more",
                () -> patientChecks.get() == 2 && queuedChecks.get() == 2);
        finish.countDown();
        assertThat(queued.get()).isEqualTo("queued");
        assertThat(patient.get()).isEqualTo("patient");
        assertThat(first.getFirst().get()).isEqualTo("held");
    }

    /** A check while waiting that refuses (409, as a sold-out checkout) once {@code soldOut} is open. */
    private static Runnable refusedOnce(CountDownLatch soldOut) {
        return () -> {
            if (soldOut.getCount() == 0) {
                throw ProblemException.conflict("insufficient_stock", "sold out");
            }
        };
    }

    /** What {@code call} was answered with instead of a result. */
    private static ProblemException refusalOf(CompletableFuture<?> call) {
        return catchThrowableOfType(ProblemException.class, () -> {
            try {
                call.join();
            } catch (CompletionException e) {
                throw e.getCause();
            }
        });
    }

    /** {@code call}'s result, computed on a virtual thread of its own (the common pool may be busy holding permits). */
    private static <T> CompletableFuture<T> onItsOwnThread(java.util.function.Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, command -> Thread.ofVirtual().start(command));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
