package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * How checkout tells the channels domain (decision 41), which implements it, who brought an order: the client that
 * placed it, the channel code the shopper came with and the coupon codes they used. Runs in the caller's
 * transaction. Orders read an order's channel back through it too, never from the channels' tables.
 */
public interface OrderAttribution {

    /** A sub-order as the channels domain needs it: its net sales (subtotal excluding tax) and what it costs. */
    record SubOrder(UUID subOrderId, UUID merchantId, Money subtotal, Money total) {
    }

    /**
     * Records the placed order's attribution and answers its channel, if any. The rule: {@code channelCode} wins;
     * otherwise the last of {@code couponCodes} that a channel holds as one of its codes; otherwise the channel of
     * the placing storefront or partner. Refuses (400 {@code validation_failed}, field {@code channelCode}) a
     * channel code no channel holds, which undoes the checkout; a coupon code no channel holds is only a coupon.
     */
    Optional<Order.Channel> placed(DSLContext tx, Principal placedBy, UUID orderId, UUID customerId,
                                   Optional<String> channelCode, List<String> couponCodes, List<SubOrder> subOrders);

    /** The order's channel, if it is attributed to one. */
    Optional<Order.Channel> channelOf(DSLContext db, UUID orderId);
}
