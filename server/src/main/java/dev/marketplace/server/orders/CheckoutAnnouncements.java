package dev.marketplace.server.orders;

import dev.marketplace.server.platform.persistence.NotificationBatches;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jooq.DSLContext;

/**
 * Every node's {@link OpenCarts} must forget a checked-out cart before a sold-out mark set after its checkout's commit
 * may refuse it from memory: a resend of the checkout that took the last unit is replayed, not refused (decision 79).
 * The cart's announcement ({@code <id>} alone on {@link OpenCarts#CHANNEL}) is therefore committed before the
 * checkout's commit, but not in it (decision 94): a transaction that notifies holds PostgreSQL's cluster-wide notify
 * lock through its WAL flush, and checkouts committed one at a time behind it (decision 87). Once the cart's row is
 * locked by its mark, its announcement goes into the next batch ({@link NotificationBatches}) while the checkout goes
 * on; the checkout waits for it before it takes the stock levels' locks. No change of the cart can be announced
 * between that announcement and the checkout's commit (its row is locked), and none after it (V84 announces no
 * checked-out cart). A checkout that rolls back after its announcement announces its cart as it then is, open again
 * (decision 103). A node that dies after the announcement and before its commit leaves a cart forgotten that is still
 * open: it is read on its next checkout, as any cart not known.
 */
final class CheckoutAnnouncements implements AutoCloseable {

    /** Beyond this, the checkout announces its cart in its own transaction (and commits behind the notify lock). */
    static final Duration AT_MOST = Duration.ofMillis(250);

    /** A cart's checkout announced or on its way. */
    interface Announcement {
        /** Returns once the announcement has committed, or has been made part of the checkout's {@code transaction}. */
        void beforeCommitOf(DSLContext transaction);

        /**
         * The checkout rolled back (it lost the race for the last units, say): its cart is announced as it is now,
         * open again, after this announcement, so every node knows it again and can refuse its next checkout from
         * memory (decision 103). Runs in a transaction of its own on {@code dsl}.
         */
        void afterRollback(DSLContext dsl);
    }

    private final NotificationBatches batches;
    private final CartRepository carts = new CartRepository();
    private final LongAdder inTheCheckoutsTransaction = new LongAdder();
    private final LongAdder announcedOpenAgain = new LongAdder();

    private CheckoutAnnouncements(NotificationBatches batches) {
        this.batches = batches;
    }

    /** In batches sent apart from the checkouts: the server's way. */
    static CheckoutAnnouncements inBatches(NotificationBatches batches) {
        return new CheckoutAnnouncements(batches);
    }

    /** Each in its checkout's own transaction: for a service built without the server's modules (tests). */
    static CheckoutAnnouncements inTheCheckoutsTransaction() {
        return new CheckoutAnnouncements(null);
    }

    /** Starts announcing {@code cartId}'s checkout; called once the checkout's mark has locked the cart's row. */
    Announcement checkedOut(UUID cartId) {
        if (batches == null) {
            return new Announcement() {
                @Override
                public void beforeCommitOf(DSLContext transaction) {
                    announceIn(transaction, cartId);
                }

                @Override
                public void afterRollback(DSLContext dsl) {
                    // Announced in the checkout's transaction, so rolled back with it: nothing was announced.
                }
            };
        }
        CompletableFuture<Void> sent = batches.send(cartId.toString());
        return new Announcement() {
            @Override
            public void beforeCommitOf(DSLContext transaction) {
                if (!arrived(sent)) {
                    announceIn(transaction, cartId); // a duplicate at worst, if the batch commits later
                }
            }

            @Override
            public void afterRollback(DSLContext dsl) {
                // After the batch, when it comes in time: one later than that leaves the cart forgotten, which
                // costs its next checkout a read and refuses nothing wrongly.
                arrived(sent);
                announcedOpenAgain.increment();
                carts.announceAsItIs(dsl, cartId);
            }
        };
    }

    /** Whether the batch carrying an announcement committed within {@link #AT_MOST}. */
    private static boolean arrived(CompletableFuture<Void> sent) {
        try {
            sent.get(AT_MOST.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void announceIn(DSLContext transaction, UUID cartId) {
        inTheCheckoutsTransaction.increment();
        carts.announceCheckedOut(transaction, cartId);
    }

    /** Checkouts whose cart was announced in their own transaction (no batch, or a batch failed or late): a metric. */
    long announcedInTheCheckoutsTransaction() {
        return inTheCheckoutsTransaction.sum();
    }

    /** Carts announced as they are after their checkout rolled back (decision 103): a metric. */
    long announcedAfterRollback() {
        return announcedOpenAgain.sum();
    }

    @Override
    public void close() {
        if (batches != null) {
            batches.close();
        }
    }
}
