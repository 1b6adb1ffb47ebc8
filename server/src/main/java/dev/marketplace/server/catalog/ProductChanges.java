package dev.marketplace.server.catalog;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * A partial update of a product: empty fields stay as they are; {@code variants} replaces the whole list.
 *
 * @param handlingDays present to change the handling time: holding no value, back to the merchant's
 */
public record ProductChanges(Optional<UUID> categoryId,
                             Optional<Map<String, String>> title,
                             Optional<Map<String, String>> description,
                             Optional<Map<String, String>> attributes,
                             Optional<List<String>> imageUrls,
                             Optional<List<VariantInput>> variants,
                             Optional<OptionalInt> handlingDays) {

    /** The content after applying these changes to {@code current}. */
    ProductContent applyTo(ProductContent current) {
        return new ProductContent(categoryId.orElse(current.categoryId()), title.orElse(current.title()),
                description.orElse(current.description()), attributes.orElse(current.attributes()),
                imageUrls.orElse(current.imageUrls()), variants.orElse(current.variants()),
                handlingDaysAfter(current));
    }

    private Integer handlingDaysAfter(ProductContent current) {
        if (handlingDays.isEmpty()) {
            return current.handlingDays();
        }
        OptionalInt changed = handlingDays.get();
        return changed.isPresent() ? changed.getAsInt() : null;
    }
}
