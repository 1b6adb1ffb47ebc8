package dev.marketplace.server.points;

import java.math.BigInteger;

/** Whole points split in proportion to weights, exactly: no point lost or created (largest remainder). */
final class Shares {

    private Shares() {
    }

    /** {@code total} split over {@code weights} (all ≥ 0); all to nothing when every weight is 0 is refused. */
    static long[] allocate(long total, long[] weights) {
        BigInteger sum = BigInteger.ZERO;
        for (long weight : weights) {
            sum = sum.add(BigInteger.valueOf(weight));
        }
        long[] shares = new long[weights.length];
        if (total == 0) {
            return shares;
        }
        if (sum.signum() == 0) {
            throw new IllegalArgumentException("nothing to allocate " + total + " over");
        }
        long given = 0;
        BigInteger[] remainders = new BigInteger[weights.length];
        for (int i = 0; i < weights.length; i++) {
            BigInteger[] division = BigInteger.valueOf(total).multiply(BigInteger.valueOf(weights[i])).divideAndRemainder(sum);
            shares[i] = division[0].longValueExact();
            remainders[i] = division[1];
            given += shares[i];
        }
        for (long left = total - given; left > 0; left--) {
            int largest = 0;
            for (int i = 1; i < weights.length; i++) {
                if (remainders[i].compareTo(remainders[largest]) > 0) {
                    largest = i;
                }
            }
            shares[largest]++;
            remainders[largest] = BigInteger.valueOf(-1);
        }
        return shares;
    }

    /** {@code value × numerator / denominator}, rounded down, without overflow. */
    static long floorOf(long value, long numerator, long denominator) {
        return BigInteger.valueOf(value).multiply(BigInteger.valueOf(numerator))
                .divide(BigInteger.valueOf(denominator)).longValueExact();
    }
}
