package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

    @Test
    void beyondThePermitsARequestIsRefusedWith503AndRetryAfterWhileTheOthersRun() throws Exception {
        ConcurrencyLimit limit = new ConcurrencyLimit("checkouts", 1, Duration.ofMillis(20));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> limit.call(() -> {
            running.countDown();
            await(finish);
            return "first";
        }));
        running.await();

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
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> limit.call(() -> {
            running.countDown();
            await(finish);
            return "first";
        }));
        running.await();
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> limit.call(() -> "second"));

        finish.countDown();

        assertThat(second.get()).isEqualTo("second");
        assertThat(first.get()).isEqualTo("first");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
