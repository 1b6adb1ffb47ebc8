package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.money.Money;
import java.util.Map;
import java.util.Optional;

/** A variant as a merchant sends it (validated by the HTTP layer); {@code compareAtPrice} may be empty. */
public record VariantInput(String sku, Map<String, String> attributes, Money price, Optional<Money> compareAtPrice) {

    public VariantInput {
        attributes = Map.copyOf(attributes);
    }
}
