package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.pagination.CursorKey;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * What a storefront asks of the listings. Prices are minor units of {@code currency}, which a price range and
 * the price sorts require (amounts in different currencies are never compared).
 *
 * @param text        full-text search over titles and descriptions in any language (see V8 migration), if given
 * @param inStockOnly only products with some variant in stock
 * @param minRating   only products whose published reviews average at least this many stars (1 to 5)
 */
public record ListingQuery(Optional<String> text, Optional<UUID> categoryId, Optional<UUID> merchantId,
                           Optional<String> currency, Optional<Long> minPrice, Optional<Long> maxPrice,
                           boolean inStockOnly, Optional<Integer> minRating, ListingSort sort) {

    /** The orders listings come in; each breaks ties by product id, so pages never skip or repeat. */
    public enum ListingSort {
        RELEVANCE, NEWEST, PRICE_ASC, PRICE_DESC, RATING_DESC;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Whether {@code key} is a value of this order's sort key as its cursors carry it: for relevance a search rank
         * (PostgreSQL's real, never money), for prices integer minor units, for ratings hundredths of a star.
         */
        public boolean isKey(String key) {
            if (this == NEWEST) {
                return CursorKey.TIMESTAMP.accepts(key);
            }
            try {
                if (this == RELEVANCE) {
                    Float.parseFloat(key);
                } else if (this == RATING_DESC) {
                    Integer.parseInt(key);
                } else {
                    Long.parseLong(key);
                }
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }
}
