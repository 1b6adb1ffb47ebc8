package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.money.Money;
import java.util.Map;
import java.util.UUID;

/**
 * What checkout needs to know of a variant: its current price, whose it is, its category and that category's
 * commission rate now, its product's title and attributes (the tax class is one of them), and whether its product is
 * published.
 */
public record VariantForSale(UUID variantId, UUID productId, UUID merchantId, UUID categoryId, String sku,
                             Map<String, String> title, Map<String, String> productAttributes, Money price,
                             boolean published, int commissionRateBasisPoints) {

    public VariantForSale {
        title = Map.copyOf(title);
        productAttributes = Map.copyOf(productAttributes);
    }
}
