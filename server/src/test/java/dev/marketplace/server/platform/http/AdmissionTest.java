package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.server.platform.http.Admission.Cost;
import dev.marketplace.server.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The door's rules without timing: requests are held in their slots on latches, a waiter's queue time runs out on the
 * test's clock, and the door's own gauges say when a waiter is queued.
 */
class AdmissionTest {

    private final AtomicLong now = new AtomicLong();
    private final CountDownLatch finish = new CountDownLatch(1);
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void finishAll() {
        finish.countDown();
        now.addAndGet(Duration.ofDays(1).toNanos()); // a waiter a failed test left behind runs out instead of hanging
        requests.close();
    }

    @Test
    void aCachedReadIsLetInWhileTheDoorIsFullOfExpensiveOnesWhichAreShedWith503AndRetryAfter() throws Exception {
        Admission door = door(4, 0, Duration.ZERO);
        List<CompletableFuture<String>> expensive = holding(door, Cost.OTHER, 2);

        ProblemException shed = catchThrowableOfType(ProblemException.class, () -> door.enter(Cost.OTHER));

        assertThat(shed.status()).isEqualTo(503);
        assertThat(shed.code()).isEqualTo("service_unavailable");
        assertThat(shed.headers()).containsEntry("Retry-After", "1");
        assertThat(door.shed(Cost.OTHER)).isEqualTo(1);
        assertThat(answer(door, Cost.CACHED_READ)).as("half the door is kept for what is cheaper").isEqualTo("served");
        assertThat(answer(door, Cost.SEARCH)).isEqualTo("served");
        assertThat(door.inFlight()).isEqualTo(2);
        finish.countDown();
        for (CompletableFuture<String> held : expensive) {
            assertThat(held.get()).isEqualTo("held");
        }
        assertThat(door.inFlight()).isZero();
        assertThat(answer(door, Cost.OTHER)).as("let in again once the door has room").isEqualTo("served");
    }

    @Test
    void theDearerClassesAreTurnedAwayFirstAsTheDoorFills() throws Exception {
        Admission door = door(4, 0, Duration.ZERO);
        holding(door, Cost.CACHED_READ, 2);

        assertThat(catchThrowableOfType(ProblemException.class, () -> door.enter(Cost.OTHER)).status())
                .as("half the door taken, by anything").isEqualTo(503);
        holding(door, Cost.SEARCH, 1);
        assertThat(catchThrowableOfType(ProblemException.class, () -> door.enter(Cost.SEARCH)).status())
                .as("three quarters taken").isEqualTo(503);
        holding(door, Cost.CACHED_READ, 1);
        assertThat(catchThrowableOfType(ProblemException.class, () -> door.enter(Cost.CACHED_READ)).status())
                .as("all taken").isEqualTo(503);
        assertThat(door.shed(Cost.OTHER) + door.shed(Cost.SEARCH) + door.shed(Cost.CACHED_READ)).isEqualTo(3);
    }

    @Test
    void waitersAreLetInCheapestFirst() throws Exception {
        Admission door = door(2, 10, Duration.ofHours(1));
        CountDownLatch finishFirst = new CountDownLatch(1);
        CompletableFuture<String> first = hold(door, Cost.CACHED_READ, finishFirst);
        holding(door, Cost.CACHED_READ, 1);
        CompletableFuture<String> expensive = CompletableFuture.supplyAsync(() -> answer(door, Cost.OTHER), requests);
        awaitQueued(door, 1);
        CompletableFuture<String> cheap = CompletableFuture.supplyAsync(() -> answer(door, Cost.CACHED_READ), requests);
        awaitQueued(door, 2);

        finishFirst.countDown();

        assertThat(first.get()).isEqualTo("held");
        assertThat(cheap.get()).as("queued after the expensive one, let in before it").isEqualTo("served");
        assertThat(expensive).as("one slot in two taken: still more than the expensive may find").isNotDone();
        assertThat(door.queued()).isEqualTo(1);
        finish.countDown();
        assertThat(expensive.get()).isEqualTo("served");
        assertThat(door.queued()).isZero();
        assertThat(door.inFlight()).isZero();
    }

    @Test
    void aWaiterIsShedWhenItsQueueTimeRunsOut() throws Exception {
        Admission door = door(1, 1, Duration.ofSeconds(1));
        holding(door, Cost.OTHER, 1);
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> answer(door, Cost.OTHER), requests);
        awaitQueued(door, 1);

        now.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(shedOf(waiter).headers()).containsEntry("Retry-After", "1");
        assertThat(door.queued()).isZero();
        assertThat(door.shed(Cost.OTHER)).isEqualTo(1);
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES) // waiting out the hour's queue would be the failure
    void aRequestThatWouldNotGetInWithinTheQueueTimeAtTheRecentPaceIsRefusedAtOnce() {
        Admission door = door(1, 10, Duration.ofHours(1));
        Admission.Slot slow = door.enter(Cost.OTHER);
        slow.run(() -> now.addAndGet(Duration.ofHours(2).toNanos()));
        holding(door, Cost.OTHER, 1);

        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> door.enter(Cost.OTHER));

        assertThat(refused.status()).as("refused while the slot is still held, not after an hour").isEqualTo(503);
        assertThat(refused.headers()).containsEntry("Retry-After", "1");
        assertThat(door.queued()).isZero();
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES) // refused at once, the newcomer would never be seen queued
    void aRequestThatStepsAsideSetsThePaceOnlyWithItsTimeInTheDoor() throws Exception {
        Admission door = door(1, 10, Duration.ofHours(1));
        door.enter(Cost.OTHER).run(() -> {
            Admission.stepAside(); // a checkout given its turn (decision 143): the checkouts' limit bounds it now
            now.addAndGet(Duration.ofHours(2).toNanos());
        });
        holding(door, Cost.OTHER, 1);

        CompletableFuture<String> newcomer = CompletableFuture.supplyAsync(() -> answer(door, Cost.OTHER), requests);

        awaitQueued(door, 1);
        assertThat(door.shed(Cost.OTHER)).as("its two hours were not the door's: queued, not refused at once")
                .isZero();
        finish.countDown();
        assertThat(newcomer.get()).isEqualTo("served");
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES) // waiting out the hour's queue would be the failure
    void onceTheQueueHasStoodANewcomerMayWaitOnlyTheStandingTimeUntilTheQueueEmpties() throws Exception {
        Admission door = door(1, 10, Duration.ofHours(1), Duration.ofSeconds(1));
        CountDownLatch finishFirst = new CountDownLatch(1);
        CompletableFuture<String> first = hold(door, Cost.OTHER, finishFirst);
        CompletableFuture<String> burst = CompletableFuture.supplyAsync(() -> answer(door, Cost.OTHER), requests);
        awaitQueued(door, 1);
        assertThat(door.standing(Cost.OTHER)).as("just queued: a burst").isFalse();

        now.addAndGet(Admission.STANDING_AFTER.toNanos());
        assertThat(door.standing(Cost.OTHER)).as("not empty for the whole interval").isTrue();
        assertThat(door.standing(Cost.SEARCH)).as("each class's queue stands on its own").isFalse();
        CompletableFuture<String> whileStanding = CompletableFuture.supplyAsync(() -> answer(door, Cost.OTHER),
                requests);
        awaitQueued(door, 2);
        now.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(shedOf(whileStanding).headers()).as("its second, not the hour").containsEntry("Retry-After", "1");
        finishFirst.countDown();
        assertThat(first.get()).isEqualTo("held");
        assertThat(burst.get()).as("queued before the queue stood: the hour was its").isEqualTo("served");
        assertThat(door.queued()).isZero();
        assertThat(door.standing(Cost.OTHER)).as("emptied: the next queue is a burst again").isFalse();
        assertThat(door.shed(Cost.OTHER)).isEqualTo(1);
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES) // waiting out the queue on the test's clock would be the failure
    void aNewcomerIsRefusedAtOnceWhenItsQueueIsLetInTooSlowlyForItToGetInInTimeThoughSlotsAreHeldBriefly()
            throws Exception {
        Admission door = door(4, 10, Duration.ofSeconds(1));
        holding(door, Cost.OTHER, 2);
        CountDownLatch finishCachedRead = new CountDownLatch(1);
        CompletableFuture<String> cachedRead = hold(door, Cost.CACHED_READ, finishCachedRead);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> answerHeld(door, Cost.SEARCH), requests);
        awaitQueued(door, 1);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> answerHeld(door, Cost.SEARCH), requests);
        awaitQueued(door, 2);
        now.addAndGet(Duration.ofMillis(300).toNanos());
        finishCachedRead.countDown();
        assertThat(cachedRead.get()).isEqualTo("held");
        awaitQueued(door, 1);
        for (int i = 0; i < 100; i++) {
            assertThat(answer(door, Cost.CACHED_READ)).as("slots held for no time at all").isEqualTo("served");
        }

        CompletableFuture<String> third = CompletableFuture.supplyAsync(() -> answerHeld(door, Cost.SEARCH), requests);
        awaitQueued(door, 2);
        CompletableFuture<String> fourth = CompletableFuture.supplyAsync(() -> answerHeld(door, Cost.SEARCH), requests);
        awaitQueued(door, 3);
        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> door.enter(Cost.SEARCH));

        assertThat(refused.status()).as("3 ahead let in one per 300 ms: 1.2 s, over its second").isEqualTo(503);
        assertThat(refused.headers()).containsEntry("Retry-After", "1");
        assertThat(door.queued()).isEqualTo(3);
        assertThat(door.shed(Cost.SEARCH)).isEqualTo(1);
        finish.countDown();
        for (CompletableFuture<String> search : List.of(first, second, third, fourth)) {
            assertThat(search.get()).isEqualTo("served");
        }
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES) // waiting out the hour's queue would be the failure
    void aSearchWaitsOnlyTheSearchQueueTime() throws Exception {
        Admission door = door(new Admission.Settings(1, 10, Duration.ofHours(1), Duration.ofSeconds(1),
                Duration.ofHours(1)));
        CountDownLatch finishFirst = new CountDownLatch(1);
        CompletableFuture<String> first = hold(door, Cost.SEARCH, finishFirst);
        CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> answer(door, Cost.OTHER), requests);
        awaitQueued(door, 1);
        CompletableFuture<String> search = CompletableFuture.supplyAsync(() -> answer(door, Cost.SEARCH), requests);
        awaitQueued(door, 2);

        now.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(shedOf(search).headers()).as("its second, not the hour").containsEntry("Retry-After", "1");
        finishFirst.countDown();
        assertThat(first.get()).isEqualTo("held");
        assertThat(other.get()).as("any other request keeps the queue time").isEqualTo("served");
        assertThat(door.shed(Cost.SEARCH)).isEqualTo(1);
        assertThat(door.shed(Cost.OTHER)).isZero();
    }

    @Test
    void aCheaperArrivalAtAFullQueueTakesTheDearestWaitersPlace() throws Exception {
        Admission door = door(1, 1, Duration.ofHours(1));
        CountDownLatch finishFirst = new CountDownLatch(1);
        CompletableFuture<String> first = hold(door, Cost.OTHER, finishFirst);
        CompletableFuture<String> expensive = CompletableFuture.supplyAsync(() -> answer(door, Cost.OTHER), requests);
        awaitQueued(door, 1);

        CompletableFuture<String> cheap = CompletableFuture.supplyAsync(() -> answer(door, Cost.CACHED_READ), requests);

        assertThat(shedOf(expensive).status()).isEqualTo(503);
        awaitQueued(door, 1);
        finishFirst.countDown();
        assertThat(first.get()).isEqualTo("held");
        assertThat(cheap.get()).isEqualTo("served");
        assertThat(door.shed(Cost.OTHER)).isEqualTo(1);
        assertThat(door.shed(Cost.CACHED_READ)).isZero();
    }

    @Test
    void aRequestWaitingForAPermitOfItsOperationGivesItsSlotBack() throws Exception {
        ConcurrencyLimit checkouts = new ConcurrencyLimit("checkouts", 1, Duration.ofHours(1));
        CountDownLatch permitTaken = new CountDownLatch(1);
        CompletableFuture<String> permitHolder = CompletableFuture.supplyAsync(() -> checkouts.call(() -> {
            permitTaken.countDown();
            return awaitLatch(finish, "permit held");
        }), requests);
        permitTaken.await();
        Admission door = door(2, 0, Duration.ZERO);
        CompletableFuture<String> waitingForPermit = CompletableFuture.supplyAsync(() -> {
            String[] answer = new String[1];
            door.enter(Cost.OTHER).run(() -> answer[0] = checkouts.call(() -> "checked out"));
            return answer[0];
        }, requests);
        Await.until(Duration.ofSeconds(30), "the checkout waits for the permit", () -> checkouts.waiting() == 1);

        assertThat(door.inFlight()).as("its slot given back while it waits").isZero();
        assertThat(door.steppedAside()).isEqualTo(1);
        assertThat(answer(door, Cost.OTHER)).as("another expensive request fits in its place").isEqualTo("served");
        finish.countDown();
        assertThat(permitHolder.get()).isEqualTo("permit held");
        assertThat(waitingForPermit.get()).isEqualTo("checked out");
        assertThat(door.inFlight()).as("the slot is given back once, not twice").isZero();
    }

    /**
     * A door whose queue keeps its whole time when standing too (the rules before decision 102), for searches too
     * (before decision 119).
     */
    private Admission door(int inFlight, int queueLength, Duration queueTime) {
        return door(inFlight, queueLength, queueTime, queueTime);
    }

    private Admission door(int inFlight, int queueLength, Duration queueTime, Duration standingQueueTime) {
        return door(new Admission.Settings(inFlight, queueLength, queueTime, queueTime, standingQueueTime));
    }

    private Admission door(Admission.Settings settings) {
        return new Admission(settings, Map.of(), now::get);
    }

    /** {@code count} requests of {@code cost} in their slots until the test finishes them; once all are in. */
    private List<CompletableFuture<String>> holding(Admission door, Cost cost, int count) {
        List<CompletableFuture<String>> held = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            held.add(hold(door, cost, finish));
        }
        return held;
    }

    /** A request of {@code cost} let in at once (the caller's thread enters) and held until {@code release}. */
    private CompletableFuture<String> hold(Admission door, Cost cost, CountDownLatch release) {
        Admission.Slot slot = door.enter(cost);
        return CompletableFuture.supplyAsync(() -> {
            String[] answer = new String[1];
            slot.run(() -> answer[0] = awaitLatch(release, "held"));
            return answer[0];
        }, requests);
    }

    private static String answer(Admission door, Cost cost) {
        door.enter(cost).run(() -> { });
        return "served";
    }

    /** A request let in (possibly after waiting) and held in its slot until the test finishes. */
    private String answerHeld(Admission door, Cost cost) {
        door.enter(cost).run(() -> awaitLatch(finish, "held"));
        return "served";
    }

    private static String awaitLatch(CountDownLatch latch, String answer) {
        try {
            latch.await();
            return answer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitQueued(Admission door, int count) {
        Await.until(Duration.ofSeconds(30), count + " waiting at the door", () -> door.queued() == count);
    }

    private static ProblemException shedOf(CompletableFuture<String> request) throws InterruptedException {
        try {
            request.get();
            throw new AssertionError("served, not shed");
        } catch (ExecutionException e) {
            return (ProblemException) e.getCause();
        }
    }
}
