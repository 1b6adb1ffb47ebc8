package dev.marketplace.server.orders;

/**
 * The other domains' parts in orders' processes, each an interface of this package that its domain implements (built
 * before the orders module): coupons (decision 42) and points (decision 35) at checkout, cancellation, rejection and
 * refund; a checkout's channel (decision 41); the drop-ship freshness guard (decision 39). Each method taking a
 * {@code DSLContext} runs in the caller's transaction.
 */
public record OrderPorts(OrderCoupons coupons, OrderPoints points, OrderAttribution attribution,
                         SupplyFreshness supplyFreshness) {
}
