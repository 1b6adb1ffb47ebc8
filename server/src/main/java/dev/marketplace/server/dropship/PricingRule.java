package dev.marketplace.server.dropship;

/**
 * A connection's pricing rule (decision 39): cost × markup + fixed, at least cost plus the minimum margin, raised to
 * the next price whose remainder by {@code endingModulus} is {@code ending} (modulus 100, ending 80: 1,280, 1,380…;
 * modulus 1: no rounding). Integer minor units throughout; every fraction is rounded up, so a price never falls short
 * of the rule.
 */
public record PricingRule(int markupBasisPoints, long fixedAmount, int ending, int endingModulus,
                          int minMarginBasisPoints) {

    public PricingRule {
        if (markupBasisPoints < 10_000 || fixedAmount < 0 || endingModulus < 1 || ending < 0 || ending >= endingModulus
                || minMarginBasisPoints < 0) {
            throw new IllegalArgumentException("invalid pricing rule");
        }
    }

    public long priceOf(long cost) {
        long marked = Math.addExact(ceilBasisPoints(cost, markupBasisPoints), fixedAmount);
        long floor = Math.addExact(cost, ceilBasisPoints(cost, minMarginBasisPoints));
        long price = Math.max(marked, floor);
        long remainder = Math.floorMod(price, endingModulus);
        long raise = Math.floorMod(ending - remainder, endingModulus);
        return Math.addExact(price, raise);
    }

    private static long ceilBasisPoints(long amount, int basisPoints) {
        return Math.ceilDiv(Math.multiplyExact(amount, basisPoints), 10_000L);
    }
}
