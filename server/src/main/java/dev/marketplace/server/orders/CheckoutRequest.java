package dev.marketplace.server.orders;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What a customer's checkout asks for: the cart, where to ship it, the loyalty points to spend (0: none), the coupon
 * codes to apply (decision 42) and the channel code the shopper came with (decision 41). The address must be one an
 * order may ship to ({@link Order.ShippingAddress#requireValid}), whoever builds the request.
 */
public record CheckoutRequest(UUID cartId, Order.ShippingAddress address, long redeemPoints, List<String> couponCodes,
                              Optional<String> channelCode) {

    public CheckoutRequest {
        Objects.requireNonNull(cartId, "cartId");
        address.requireValid();
        if (redeemPoints < 0) {
            throw new IllegalArgumentException("redeemPoints must not be negative");
        }
        couponCodes = List.copyOf(couponCodes);
        Objects.requireNonNull(channelCode, "channelCode");
    }
}
