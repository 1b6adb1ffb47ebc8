package dev.marketplace.server.catalog;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Everything a merchant says about a product: what the compliance check reads and what a change may replace.
 *
 * @param handlingDays days from payment to the promised shipment of a sub-order holding it; null: the merchant's
 */
public record ProductContent(UUID categoryId,
                             Map<String, String> title,
                             Map<String, String> description,
                             Map<String, String> attributes,
                             List<String> imageUrls,
                             List<VariantInput> variants,
                             Integer handlingDays) {

    public ProductContent {
        title = Map.copyOf(title);
        description = Map.copyOf(description);
        attributes = Map.copyOf(attributes);
        imageUrls = List.copyOf(imageUrls);
        variants = List.copyOf(variants);
    }

    /**
     * Whether {@code other} shows storefronts something else than this: any difference but the variants' prices
     * and compare-at prices, which change often and need no new review, and the handling time, which is not shown.
     */
    public boolean differsInListedContentFrom(ProductContent other) {
        return !categoryId.equals(other.categoryId) || !title.equals(other.title)
                || !description.equals(other.description) || !attributes.equals(other.attributes)
                || !imageUrls.equals(other.imageUrls) || !skusAndAttributes().equals(other.skusAndAttributes());
    }

    private List<Map.Entry<String, Map<String, String>>> skusAndAttributes() {
        return variants.stream().map(variant -> Map.entry(variant.sku(), variant.attributes())).toList();
    }
}
