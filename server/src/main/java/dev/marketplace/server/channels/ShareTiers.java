package dev.marketplace.server.channels;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A programme's revenue-share tiers (decision 41): each tier's rate applies to the part of the period's attributed
 * net sales from its {@code from} up to the next tier's, progressive like tax brackets ("0–1,000,000 at 15 %,
 * 1,000,000–5,000,000 at 12 %"). Not decision 31's {@code CommissionRates}: those tiers take points off each line's
 * category rate, these name the rate itself, and a statement shows each tier's part as its own line.
 */
record ShareTiers(List<Tier> tiers) {

    static final int BASIS = 10_000;

    record Tier(long from, int rateBasisPoints) {

        Tier {
            if (from < 0 || rateBasisPoints < 0 || rateBasisPoints > BASIS) {
                throw new IllegalArgumentException("a tier starts at 0 or more with a rate of 0 to 10,000 bp");
            }
        }
    }

    /** The share of one tier's stretch of a sub-order's base, rounded half-even to the minor unit. */
    record Part(long tierFrom, int rateBasisPoints, long base, long amount) {
    }

    ShareTiers {
        tiers = tiers.stream().sorted(Comparator.comparingLong(Tier::from)).toList();
        if (tiers.isEmpty() || tiers.getFirst().from() != 0) {
            throw new IllegalArgumentException("the first tier starts at 0");
        }
        for (int i = 1; i < tiers.size(); i++) {
            if (tiers.get(i).from() == tiers.get(i - 1).from()) {
                throw new IllegalArgumentException("two tiers start at " + tiers.get(i).from());
            }
        }
    }

    /** The parts of {@code base} placed after {@code before} of the period's net sales, one per tier it touches. */
    List<Part> parts(long before, long base) {
        long end = Math.addExact(before, base);
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < tiers.size(); i++) {
            long from = Math.max(before, tiers.get(i).from());
            long to = i + 1 < tiers.size() ? Math.min(end, tiers.get(i + 1).from()) : end;
            if (to > from) {
                int rate = tiers.get(i).rateBasisPoints();
                parts.add(new Part(tiers.get(i).from(), rate, to - from,
                        halfEven(BigInteger.valueOf(to - from).multiply(BigInteger.valueOf(rate)), BigInteger.valueOf(BASIS))));
            }
        }
        return parts;
    }

    /** numerator / denominator (both ≥ 0, denominator > 0) rounded half-even. */
    static long halfEven(BigInteger numerator, BigInteger denominator) {
        BigInteger[] qr = numerator.divideAndRemainder(denominator);
        int half = qr[1].shiftLeft(1).compareTo(denominator);
        BigInteger q = qr[0];
        if (half > 0 || half == 0 && q.testBit(0)) {
            q = q.add(BigInteger.ONE);
        }
        return q.longValueExact();
    }

    /** {@code amount × part / whole} rounded half-even: a refund's proportion of a sub-order's share or base. */
    static long proportion(long amount, long part, long whole) {
        return whole == 0 ? 0 : halfEven(BigInteger.valueOf(amount).multiply(BigInteger.valueOf(part)),
                BigInteger.valueOf(whole));
    }
}
