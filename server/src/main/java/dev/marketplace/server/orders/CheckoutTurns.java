package dev.marketplace.server.orders;

import dev.marketplace.server.platform.http.Admission;
import dev.marketplace.server.platform.http.ConcurrencyLimit;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Whose turn it is to check out (decisions 47, 77, 88 and 93): the checkouts' {@link ConcurrencyLimit}, knowing which
 * variants of announced carts are being checked out or waiting now. A checkout of a variant another checkout is
 * already on is contested (a flash sale): it will be decided within moments either way, by its turn or by the
 * variant selling out (refused from memory while it waits), so it waits patiently, past the queue time, instead of
 * being answered 503 and coming back a second later. Other checkouts wait and are shed as before, and go first.
 *
 * <p>A checkout with its turn gives its door slot back (decision 143), as one waiting for it does: from then on the
 * checkouts' limit bounds it and judges its holding time. Held at the door, a checkout's hundreds of milliseconds
 * under a sale (the pool, the hot row, the flush) set the pace by which the door judges everything behind it, and the
 * buyers refused from memory in a millisecond were shed there as if each were a checkout.
 */
final class CheckoutTurns {

    private final ConcurrencyLimit limit;
    /** How many checkouts of announced carts naming each variant are waiting or running now; absent when none. */
    private final ConcurrentHashMap<UUID, Integer> checkingOut = new ConcurrentHashMap<>();

    CheckoutTurns(ConcurrencyLimit limit) {
        this.limit = limit;
    }

    /**
     * {@code work} with a checkout's permit, running {@code whileWaiting} while waiting for it; {@code variants} are
     * those of the cart as announced (empty when not known: the cart cannot be refused from memory, so it never
     * waits patiently).
     */
    <T> T take(Collection<UUID> variants, Supplier<T> work, Runnable whileWaiting) {
        List<UUID> distinct = variants.stream().distinct().toList();
        boolean contested = false;
        for (UUID variant : distinct) {
            contested |= checkingOut.merge(variant, 1, Integer::sum) > 1;
        }
        try {
            return limit.call(() -> {
                Admission.stepAside();
                return work.get();
            }, whileWaiting, contested);
        } finally {
            for (UUID variant : distinct) {
                checkingOut.computeIfPresent(variant, (id, count) -> count == 1 ? null : count - 1);
            }
        }
    }
}
