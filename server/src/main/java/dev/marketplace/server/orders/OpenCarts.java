package dev.marketplace.server.orders;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The open, claimed carts as their last committed change announced them on {@link #CHANNEL} (V69), on every node: so
 * that a checkout of a cart holding a variant known sold out is refused without reading the cart or claiming its
 * Idempotency-Key (decision 79). Filled only by the notifications, which arrive in commit order, so an entry is
 * always some committed state of its cart; used only while they are proven current ({@link
 * ChangeNotifications#isCurrent}: less than a second behind). A cart not here (changed before this node listened,
 * checked out, evicted) is read as before.
 */
final class OpenCarts implements ChangeNotifications.Subscriber {

    static final String CHANNEL = "cart_changed";
    /** Lines held at most (a cart weighs one more than its lines): some tens of megabytes at most. */
    private static final long MAX_WEIGHT = 200_000;

    /** What a checkout needs to refuse a cart from memory: who may check it out, and its lines' variants. */
    record OpenCart(UUID storefrontId, UUID customerId, List<UUID> variantIds) {
    }

    private final Cache<UUID, OpenCart> carts = Caffeine.newBuilder().maximumWeight(MAX_WEIGHT)
            .weigher((UUID id, OpenCart cart) -> 1 + cart.variantIds().size()).build();
    private volatile ChangeNotifications announcements;
    private volatile Runnable whenConfirmed = () -> { };

    /** Entries are trusted only while {@code announcements} are current (proven less than a second behind). */
    void deliveredBy(ChangeNotifications announcements) {
        this.announcements = announcements;
    }

    /**
     * Runs {@code whenConfirmed} when a confirmation {@link #announcedUpTo} asked for is back: checkouts waiting for
     * their turn then look again whether a sold-out mark now refuses them (decision 110).
     */
    void whenConfirmed(Runnable whenConfirmed) {
        this.whenConfirmed = whenConfirmed;
    }

    /** The cart as last announced open, if known and the announcements are current. */
    Optional<OpenCart> find(UUID cartId) {
        ChangeNotifications delivery = announcements;
        return delivery != null && delivery.isCurrent() ? Optional.ofNullable(carts.getIfPresent(cartId))
                : Optional.empty();
    }

    /**
     * Whether every cart change committed before {@code nanos} ({@link System#nanoTime()}) is known here: a sold-out
     * mark set after a read at that time may then be held against these carts, since a checkout that took the last
     * unit before that read has been announced (its cart is then not here).
     */
    boolean announcedUpTo(long nanos) {
        ChangeNotifications delivery = announcements;
        if (delivery == null) {
            return false;
        }
        if (delivery.confirmedSince(nanos)) {
            return true;
        }
        // A mark set a moment ago: checkouts waiting to be refused by it need not wait for the next heartbeat.
        delivery.confirmSoon(whenConfirmed);
        return false;
    }

    /** Checked out on this node: forgotten at once, before its announcement comes back. */
    void forget(UUID cartId) {
        carts.invalidate(cartId);
    }

    @Override
    public void changed(String payload) {
        String[] parts = payload.split(" ", -1);
        UUID id = UUID.fromString(parts[0]);
        if (parts.length < 4) {
            carts.invalidate(id); // checked out, anonymous, gone, or too many lines to announce: read it
            return;
        }
        List<UUID> variants = parts[3].isEmpty() ? List.of()
                : Arrays.stream(parts[3].split(",")).map(UUID::fromString).toList();
        carts.put(id, new OpenCart(UUID.fromString(parts[1]), UUID.fromString(parts[2]), variants));
    }

    @Override
    public void mayHaveMissedChanges() {
        carts.invalidateAll();
    }
}
