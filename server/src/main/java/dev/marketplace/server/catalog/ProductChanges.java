package dev.marketplace.server.catalog;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** A partial update of a product: empty fields stay as they are; {@code variants} replaces the whole list. */
public record ProductChanges(Optional<UUID> categoryId,
                             Optional<Map<String, String>> title,
                             Optional<Map<String, String>> description,
                             Optional<Map<String, String>> attributes,
                             Optional<List<String>> imageUrls,
                             Optional<List<VariantInput>> variants) {

    /** The content after applying these changes to {@code current}. */
    ProductContent applyTo(ProductContent current) {
        return new ProductContent(categoryId.orElse(current.categoryId()), title.orElse(current.title()),
                description.orElse(current.description()), attributes.orElse(current.attributes()),
                imageUrls.orElse(current.imageUrls()), variants.orElse(current.variants()));
    }
}
