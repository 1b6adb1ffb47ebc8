package dev.marketplace.server.dropship;

/**
 * Takes one call from a connection's supplier quota before each HTTP request to the supplier (decision 39, amended);
 * throws a {@link SupplierException} carrying the wait until the window ends when none is left, so the call is not
 * made and the sync waits as for the supplier's own 429.
 */
@FunctionalInterface
interface CallQuota {

    CallQuota NONE = () -> { };

    void take();
}
