package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * How checkout tells the channels domain (decision 41), which implements it, who brought an order: the client that
 * placed it and the channel code the shopper came with. Runs in checkout's transaction.
 */
public interface OrderAttribution {

    /** A sub-order as the channels domain needs it: its net sales (subtotal excluding tax) and what it costs. */
    record SubOrder(UUID subOrderId, UUID merchantId, Money subtotal, Money total) {
    }

    /**
     * Records the placed order's attribution. Refuses (400 {@code validation_failed}, field {@code channelCode}) a
     * code no channel holds, which undoes the checkout.
     */
    void placed(DSLContext tx, Principal placedBy, UUID orderId, UUID customerId, Optional<String> channelCode,
                List<SubOrder> subOrders);
}
