package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A cart priced now by the server: each line's current price and availability, whether the price changed since the
 * shopper saw it, and the totals of the lines that can be bought (null when there are none).
 */
public record CartView(Cart cart, List<LineView> lines, Money subtotal, Money tax, Money total) {

    public enum Availability {
        AVAILABLE, INSUFFICIENT_STOCK, UNAVAILABLE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param unitPrice null when the variant is no longer sold
     */
    public record LineView(UUID variantId, UUID productId, UUID merchantId, String sku, Map<String, String> title,
                           long quantity, Money unitPrice, Money seenUnitPrice, boolean priceChanged,
                           Availability availability, long availableQuantity, Money subtotal, Money tax) {
    }
}
