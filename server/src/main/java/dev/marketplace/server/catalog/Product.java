package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A merchant's product with its variants and where it stands in moderation.
 *
 * @param complianceFindings what the last automatic compliance check found (empty unless it rejected the product)
 * @param rejectionReasons   the operator's reasons for the last rejection
 * @param externalId         the merchant's own key for it (its ERP's), set by bulk upserts; null otherwise
 * @param publishedAt        when it was last published; null unless it is published
 * @param handlingDays       days from payment to the promised shipment of its lines; null: the merchant's
 */
public record Product(UUID id,
                      UUID merchantId,
                      String externalId,
                      UUID categoryId,
                      Map<String, String> title,
                      Map<String, String> description,
                      Map<String, String> attributes,
                      List<String> imageUrls,
                      List<ProductVariant> variants,
                      ProductStatus status,
                      List<ComplianceFinding> complianceFindings,
                      List<String> rejectionReasons,
                      OffsetDateTime publishedAt,
                      long version,
                      OffsetDateTime createdAt,
                      OffsetDateTime updatedAt,
                      Integer handlingDays) {

    public Product {
        title = Map.copyOf(title);
        description = Map.copyOf(description);
        attributes = Map.copyOf(attributes);
        imageUrls = List.copyOf(imageUrls);
        variants = List.copyOf(variants);
        complianceFindings = List.copyOf(complianceFindings);
        rejectionReasons = List.copyOf(rejectionReasons);
    }

    /** The listing price: the lowest variant price (all variants share one currency). */
    public Money lowestPrice() {
        return variants.stream().map(ProductVariant::price).min(Comparator.comparingLong(Money::amount)).orElseThrow();
    }

    public ProductContent content() {
        return new ProductContent(categoryId, title, description, attributes, imageUrls, variants.stream()
                .map(variant -> new VariantInput(variant.sku(), variant.attributes(), variant.price(),
                        Optional.ofNullable(variant.compareAtPrice())))
                .toList(), handlingDays);
    }
}
