package dev.marketplace.server.catalog;

import java.util.Optional;
import java.util.UUID;

/**
 * What a storefront asks of the listings. Prices are minor units of {@code currency}, which a price range and
 * the price sorts require (amounts in different currencies are never compared).
 *
 * @param titleContains text some title of the product contains, ignoring case (a substring, not full-text search)
 */
public record ListingQuery(Optional<String> titleContains, Optional<UUID> categoryId, Optional<UUID> merchantId, Optional<String> currency,
                           Optional<Long> minPrice, Optional<Long> maxPrice, ListingSort sort) {

    /** The orders listings come in; each breaks ties by product id, so pages never skip or repeat. */
    public enum ListingSort {
        NEWEST, PRICE_ASC, PRICE_DESC;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
