package dev.marketplace.server.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The published reviews' ratings of a product or a merchant, as the listing read model keeps them: how many and
 * their sum (decision 40). The average is derived, never stored apart from its sortable hundredths.
 */
public record Rating(int count, long sum) {

    public static final Rating NONE = new Rating(0, 0);

    /** The average in stars to two decimals (half up, as PostgreSQL's round), or null when nobody rated. */
    public BigDecimal average() {
        return count == 0 ? null : BigDecimal.valueOf(sum).divide(BigDecimal.valueOf(count), 2, RoundingMode.HALF_UP);
    }
}
