package dev.marketplace.server.orders;

import io.helidon.config.Config;
import java.util.Map;

/**
 * Consumption-tax rates in basis points ({@code orders.tax.standard.bp}, default 1000 = Japan's 10 %;
 * {@code orders.tax.reduced.bp}, default 800). A product takes the reduced rate when its attributes say
 * {@code "taxClass": "reduced"} (food and drink, newspapers); every other product the standard rate.
 */
public record TaxRates(int standardBasisPoints, int reducedBasisPoints) {

    public static final String TAX_CLASS_ATTRIBUTE = "taxClass";
    public static final String REDUCED = "reduced";

    public TaxRates {
        if (standardBasisPoints < 0 || standardBasisPoints > 10_000 || reducedBasisPoints < 0 || reducedBasisPoints > 10_000) {
            throw new IllegalArgumentException("tax rates are between 0 and 10000 basis points");
        }
    }

    /** From the {@code orders} configuration node. */
    public static TaxRates from(Config orders) {
        return new TaxRates(orders.get("tax.standard.bp").asInt().get(), orders.get("tax.reduced.bp").asInt().get());
    }

    public int rateFor(Map<String, String> productAttributes) {
        return REDUCED.equals(productAttributes.get(TAX_CLASS_ATTRIBUTE)) ? reducedBasisPoints : standardBasisPoints;
    }
}
