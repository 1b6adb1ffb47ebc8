package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

    @Test
    void beyondThePermitsARequestIsRefusedWith503AndRetryAfterWhileTheOthersRun() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ofMillis(20));
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> first = holdingTheOnlyPermit(limit, finish);

        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> limit.call(() -> "second"));

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.headers()).containsEntry("Retry-After", "1");
        finish.countDown();
        assertThat(first.get()).isEqualTo("first");
        assertThat(limit.call(() -> "third")).as("the permit is back once the first is done").isEqualTo("third");
    }

    @Test
    void aRequestWaitsForAPermitThatFreesUpWithinTheQueueTime() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("searches", 1, Duration.ofSeconds(30));
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> first = holdingTheOnlyPermit(limit, finish);
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> limit.call(() -> "second"));

        finish.countDown();

        assertThat(second.get()).isEqualTo("second");
        assertThat(first.get()).isEqualTo("first");
    }

    @Test
    void aWaitingRequestIsAnsweredWithoutAPermitOnceItsCheckWhileWaitingRefusesIt() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ofSeconds(30));
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> first = holdingTheOnlyPermit(limit, finish);
        CountDownLatch soldOut = new CountDownLatch(1);
        // On a thread of its own: the common pool may have only the one the first is holding.
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> limit.call(() -> "second", () -> {
            if (soldOut.getCount() == 0) {
                throw ProblemException.conflict("insufficient_stock", "sold out");
            }
        }), command -> Thread.ofVirtual().start(command));

        soldOut.countDown(); // while the first still holds the only permit

        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> {
            try {
                second.join();
            } catch (CompletionException e) {
                throw e.getCause();
            }
        });
        assertThat(refused.status()).isEqualTo(409);
        assertThat(limit.refused()).as("not counted as shed").isZero();
        finish.countDown();
        assertThat(first.get()).isEqualTo("first");
    }

    /** "first", once {@code finish} counts down; it holds {@code limit}'s only permit from when this returns. */
    private static CompletableFuture<String> holdingTheOnlyPermit(ConcurrencyLimit limit, CountDownLatch finish)
            throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> limit.call(() -> {
            running.countDown();
            await(finish);
            return "first";
        }));
        running.await();
        return first;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
