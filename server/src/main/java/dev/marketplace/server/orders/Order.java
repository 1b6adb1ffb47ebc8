package dev.marketplace.server.orders;

import dev.marketplace.server.platform.contact.PhoneNumber;
import dev.marketplace.server.platform.contact.PostalAddress;
import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A customer order: one sub-order per merchant, with the prices, taxes and shipping address of checkout, and every
 * state change it went through. {@code discount} is what coupons and points took off the total.
 *
 * @param channel who brought the order (decision 41), as the channels domain attributed it; null when no channel
 */
public record Order(UUID id, UUID storefrontId, UUID customerId, UUID cartId, OrderStatus status, Money subtotal,
                    Money tax, Money discount, Money total, ShippingAddress shippingAddress, UUID reservationId,
                    boolean stockCommitted, OffsetDateTime paymentDueAt, List<SubOrder> subOrders,
                    List<Transition> history, long version, OffsetDateTime createdAt, OffsetDateTime updatedAt,
                    Channel channel) {

    public Order {
        subOrders = List.copyOf(subOrders);
        history = List.copyOf(history);
    }

    /**
     * The channel an order is attributed to, and by what: {@code code} (a channel code or a coupon code the channel
     * holds, named in {@code code}) or {@code client} (the storefront or partner that placed it is the channel).
     */
    public record Channel(UUID channelId, String attributedBy, String code) {
    }

    /**
     * Where a sub-order ships. Checkout and partner orders take only a valid one ({@link #of}, {@link #requireValid});
     * what an erased customer's order reads back ({@code (erased)} in each personal field) is not.
     */
    public record ShippingAddress(String name, String country, String postalCode, String region, String locality,
                                  String line1, String line2, String phone) {

        public static final int NAME_MAX = 100;

        public static ShippingAddress of(String name, PostalAddress postal, PhoneNumber phone) {
            return new ShippingAddress(name, postal.country(), postal.postalCode(), postal.region(), postal.locality(),
                    postal.line1(), postal.line2(), phone.value()).requireValid();
        }

        /** This address, if an order may ship to it: a recipient of 1–100 characters, a postal address, a phone. */
        public ShippingAddress requireValid() {
            if (name == null || name.isEmpty() || name.length() > NAME_MAX) {
                throw new IllegalArgumentException("a shipping address names its recipient in 1 to 100 characters");
            }
            new PostalAddress(country, postalCode, region, locality, line1, line2);
            new PhoneNumber(phone);
            return this;
        }
    }

    public record SubOrder(UUID id, UUID merchantId, SubOrderStatus status, Money subtotal, Money tax, Money total,
                           Money commission, List<Line> lines, long version, OffsetDateTime createdAt,
                           OffsetDateTime updatedAt) {
        public SubOrder {
            lines = List.copyOf(lines);
        }
    }

    public record Line(int lineNumber, UUID variantId, UUID productId, String sku, Map<String, String> title,
                       long quantity, Money unitPrice, Money subtotal, int taxRateBasisPoints, Money tax,
                       int commissionRateBasisPoints) {
        public Line {
            title = Map.copyOf(title);
        }
    }

    /**
     * One state change: of the order when {@code subOrderId} is null, else of that sub-order.
     *
     * @param from null for the creation
     */
    public record Transition(UUID subOrderId, String from, String to, String actor, String reason,
                             OffsetDateTime occurredAt) {
    }
}
