package dev.marketplace.server.inventory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;

/**
 * Variants this node found with nothing available at any location, so that a flash sale's refusals after the last
 * unit is gone are answered from memory (decisions 57 and 70). A mark holds until stock of its variant becomes
 * available again anywhere: V61 announces every such commit on {@link #CHANNEL} (restock, a released or expired
 * reservation, a cancellation or return put back on hand, on any node or by SQL), and every node forgets the variants
 * it names. Marks are used only while the notifications are proven current ({@link ChangeNotifications#isCurrent}:
 * less than a second behind); a lost connection forgets them all. It only ever refuses: a variant not marked is read
 * as before, and whatever passes is decided under the levels' locks.
 */
final class SoldOutVariants implements ChangeNotifications.Subscriber {

    /** V61's channel: the variants a commit made available again, or {@code *} for all. */
    static final String CHANNEL = "stock_available";
    private static final int MAX_VARIANTS = 100_000;

    /** Each mark with the time ({@link System#nanoTime()}) it was set, after the read that found it. */
    private final Cache<UUID, Long> soldOut = Caffeine.newBuilder().maximumSize(MAX_VARIANTS).build();
    /** Counts announcements: a read that began before one may have missed what it announced. */
    private final AtomicLong announcements = new AtomicLong();
    private final LongAdder refusedFromMemory = new LongAdder();
    private volatile BooleanSupplier current = () -> false;
    private volatile Runnable whenMarked = () -> { };

    /** Marks are trusted only while {@code current} holds (the notifications proven less than a second behind). */
    void trustedWhile(BooleanSupplier current) {
        this.current = current;
    }

    /** Runs {@code whenMarked} after each new mark (checkouts waiting for their turn look whether it refuses them). */
    void whenMarked(Runnable whenMarked) {
        this.whenMarked = whenMarked;
    }

    /** To pass to {@link #found}: taken before the stock is read. */
    long beforeReading() {
        return announcements.get();
    }

    /** Those of {@code variantIds} known to have nothing available. */
    Set<UUID> among(Collection<UUID> variantIds) {
        return among(variantIds, markedAt -> true);
    }

    /** Those of {@code variantIds} known to have nothing available by marks whose time passes {@code usable}. */
    Set<UUID> among(Collection<UUID> variantIds, LongPredicate usable) {
        if (!current.getAsBoolean()) {
            return Set.of();
        }
        Set<UUID> found = new HashSet<>();
        soldOut.getAllPresent(variantIds).forEach((variant, markedAt) -> {
            if (usable.test(markedAt)) {
                found.add(variant);
            }
        });
        return found;
    }

    /**
     * Marks a variant read with nothing available by a read that began at {@code readBegan}: unless stock was
     * announced available since (the read may have been older than that commit), checked after the mark is set so
     * that an announcement racing with it removes it.
     */
    void found(UUID variantId, long readBegan) {
        soldOut.put(variantId, System.nanoTime());
        if (announcements.get() != readBegan) {
            soldOut.invalidate(variantId);
            return;
        }
        whenMarked.run();
    }

    /** Their levels changed on this node: read them again. */
    void forget(Collection<UUID> variantIds) {
        soldOut.invalidateAll(variantIds);
    }

    void refusedFromMemory() {
        refusedFromMemory.increment();
    }

    /** How many checkout or lease refusals were answered from the marks, without reading stock (a metric). */
    long refusalsFromMemory() {
        return refusedFromMemory.sum();
    }

    @Override
    public void changed(String payload) {
        changed(List.of(payload));
    }

    @Override
    public void changed(List<String> payloads) {
        announcements.incrementAndGet();
        for (String payload : payloads) {
            if (payload.equals("*")) {
                soldOut.invalidateAll();
                return;
            }
            soldOut.invalidateAll(Arrays.stream(payload.split(",")).map(UUID::fromString).toList());
        }
    }

    @Override
    public void mayHaveMissedChanges() {
        announcements.incrementAndGet();
        soldOut.invalidateAll();
    }
}
