package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.server.platform.http.ConcurrencyLimit;
import dev.marketplace.server.platform.http.ProblemException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Reads while the cache is not proven current go to PostgreSQL through a limit of their own (decision 83): beyond it
 * they are refused with 503 and Retry-After, not queued for the pool. No database: the loads are the test's.
 */
class ListingCacheTest {

    private static final byte[] JSON = "{\"productId\":\"kept\"}".getBytes(StandardCharsets.UTF_8);

    private final AtomicBoolean current = new AtomicBoolean();
    private final ListingCache cache = new ListingCache(1 << 20, 1 << 20, batch -> Optional.empty(),
            new ConcurrencyLimit("reads while unproven", 1, Duration.ZERO));

    ListingCacheTest() {
        cache.servedWhile(current::get);
    }

    @Test
    void whileNotProvenCurrentReadsBeyondTheLimitAreRefusedWith503AndRetryAfter() throws Exception {
        UUID product = UUID.randomUUID();
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<byte[]> first = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> first.complete(cache.listing(product, () -> {
            loading.countDown();
            await(finish);
            return JSON;
        })));
        loading.await();

        ProblemException refused = catchThrowableOfType(ProblemException.class,
                () -> cache.listing(UUID.randomUUID(), () -> JSON));
        ProblemException pageRefused = catchThrowableOfType(ProblemException.class,
                () -> cache.listings(List.of(UUID.randomUUID()), missing -> Map.of()));

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.headers()).containsEntry("Retry-After", "1");
        assertThat(pageRefused.status()).as("a search page's listings too").isEqualTo(503);
        finish.countDown();
        assertThat(first.get()).isEqualTo(JSON);
        assertThat(cache.readsWhileUnproven()).isEqualTo(1);
        assertThat(cache.readsShedWhileUnproven()).isEqualTo(2);
        assertThat(cache.listing(product, () -> JSON)).as("the permit is back").isEqualTo(JSON);
    }

    @Test
    void whileProvenCurrentAKeptListingTakesNoPermitAndNoRead() {
        UUID product = UUID.randomUUID();
        current.set(true);
        AtomicInteger loads = new AtomicInteger();
        cache.listing(product, () -> {
            loads.incrementAndGet();
            return JSON;
        });

        assertThat(cache.listing(product, () -> {
            loads.incrementAndGet();
            return JSON;
        })).isEqualTo(JSON);
        assertThat(loads).as("loaded once, then kept").hasValue(1);

        current.set(false);
        assertThat(cache.listing(product, () -> {
            loads.incrementAndGet();
            return JSON;
        })).isEqualTo(JSON);
        assertThat(loads).as("not proven current: read again, not served kept").hasValue(2);
        assertThat(cache.readsWhileUnproven()).isEqualTo(1);
        assertThat(cache.readsShedWhileUnproven()).isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
