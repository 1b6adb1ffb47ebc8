package dev.marketplace.server.points;

import dev.marketplace.server.platform.money.Money;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * What the partner exchange (package {@code partners}, decision 37) does to customers' points, each in the caller's
 * transaction. Points only: the money side of each change is the caller's money movement, because its other leg is
 * the partner's clearing account.
 */
public interface PointsExchange {

    /** Points of one funder ({@code merchantFunder} null: the platform) that left the customer. */
    record Share(UUID merchantFunder, long points) {
    }

    /** The value of {@code points} in the points' currency. */
    Money money(long points);

    String currency();

    /** The customer's available points now. */
    long available(DSLContext tx, UUID customer);

    /**
     * Takes {@code points} from the customer's available lots, first-expiring first, and keeps them held under
     * {@code holdId}; 409 {@code insufficient_points} when the customer has fewer.
     */
    void hold(DSLContext tx, UUID customer, UUID holdId, long points, String reason);

    /** The held points leave for good; their shares by funder. */
    List<Share> post(DSLContext tx, UUID holdId);

    /** The held points go back to the customer, in new lots of their funders and expiries. */
    void release(DSLContext tx, UUID holdId, String reason);

    /** Credits {@code points} in a new available lot {@code lotId}, owed by the platform, named by {@code rule}. */
    void credit(DSLContext tx, UUID customer, UUID lotId, long points, String rule, String reason);

    /** Takes a credit back whole if its lot still holds every point of it; false (nothing changed) otherwise. */
    boolean takeBack(DSLContext tx, UUID lotId, String reason);
}
