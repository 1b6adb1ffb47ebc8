package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.money.Money;
import java.util.Map;
import java.util.UUID;

/**
 * A variant (SKU) of a product.
 *
 * @param sku            the merchant's SKU code, unique among all its products
 * @param compareAtPrice a reference price above {@code price} in its currency, or null
 */
public record ProductVariant(UUID id, String sku, Map<String, String> attributes, Money price, Money compareAtPrice) {

    public ProductVariant {
        attributes = Map.copyOf(attributes);
    }
}
