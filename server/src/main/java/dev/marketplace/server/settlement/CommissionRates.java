package dev.marketplace.server.settlement;

import io.helidon.config.Config;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * How much commission a sub-order is charged (decision 31), to the unit:
 *
 * <ul>
 *   <li>A line's rate is its category's basis points, or the merchant's override where one is set (an override does
 *       not make a 0 bp category charge).</li>
 *   <li>GMV tiers, per currency, are <em>points off</em> that rate, progressive like tax brackets: the part of the
 *       merchant's calendar-month GMV from a tier's threshold on is charged the rate less the tier's points (never
 *       below 0). The sub-order's lines take their places in the month's GMV in line order, after the GMV counted
 *       before the sub-order.</li>
 *   <li>Base: a line's price excluding consumption tax, after discounts (the line's subtotal).</li>
 *   <li>Rounding, the one rule: per line, the exact amount (Σ part × rate / 10,000) rounded half-even to the minor
 *       unit. With no points off and no override this is exactly the orders domain's category commission.</li>
 * </ul>
 */
final class CommissionRates {

    static final int BASIS = 10_000;

    /** From {@code from} (minor units of the month's GMV) on, {@code pointsOff} basis points off each line's rate. */
    record Tier(long from, int pointsOff) {

        Tier {
            if (from < 0 || pointsOff < 0 || pointsOff > BASIS) {
                throw new IllegalArgumentException("a tier starts at 0 or more and takes 0 to 10,000 points off");
            }
        }
    }

    /** A line of the sub-order: its base and its category's rate. */
    record Line(long base, int categoryBasisPoints) {
    }

    private final Map<String, List<Tier>> tiersByCurrency;

    CommissionRates(Map<String, List<Tier>> tiersByCurrency) {
        Map<String, List<Tier>> tiers = new TreeMap<>();
        tiersByCurrency.forEach((currency, list) -> {
            List<Tier> sorted = list.stream().sorted(Comparator.comparingLong(Tier::from)).toList();
            if (sorted.isEmpty() || sorted.getFirst().from() != 0) {
                throw new IllegalArgumentException("the tiers of " + currency + " start at 0");
            }
            tiers.put(currency, sorted);
        });
        this.tiersByCurrency = Map.copyOf(tiers);
    }

    /** From {@code settlement.commission.tiers}: per currency, a list of {@code {from, points-off}}. */
    static CommissionRates from(Config commission) {
        Map<String, List<Tier>> tiers = new TreeMap<>();
        commission.get("tiers").asNodeList().orElse(List.of()).forEach(currency -> {
            List<Tier> list = new ArrayList<>();
            currency.asNodeList().orElse(List.of()).forEach(tier -> list.add(new Tier(
                    tier.get("from").asLong().get(), tier.get("points-off").asInt().get())));
            tiers.put(currency.name(), list);
        });
        return new CommissionRates(tiers);
    }

    List<Tier> tiers(String currency) {
        return tiersByCurrency.getOrDefault(currency, List.of(new Tier(0, 0)));
    }

    /** The commission of the lines, placed after {@code gmvBefore} in the month's GMV. */
    long charge(String currency, long gmvBefore, List<Line> lines, OptionalInt overrideBasisPoints) {
        List<Tier> tiers = tiers(currency);
        long position = gmvBefore;
        long total = 0;
        for (Line line : lines) {
            int rate = line.categoryBasisPoints() > 0 && overrideBasisPoints.isPresent()
                    ? overrideBasisPoints.getAsInt() : line.categoryBasisPoints();
            long end = Math.addExact(position, line.base());
            long exact = 0; // minor units × basis points
            for (int i = 0; i < tiers.size(); i++) {
                long from = Math.max(position, tiers.get(i).from());
                long to = i + 1 < tiers.size() ? Math.min(end, tiers.get(i + 1).from()) : end;
                if (to > from) {
                    exact = Math.addExact(exact, Math.multiplyExact(to - from,
                            (long) Math.max(0, rate - tiers.get(i).pointsOff())));
                }
            }
            total = Math.addExact(total, halfEven(BigInteger.valueOf(exact), BigInteger.valueOf(BASIS)));
            position = end;
        }
        return total;
    }

    /** The commission at the category rates alone (no tiers, no override): what the orders domain records. */
    static long atCategoryRates(List<Line> lines) {
        return new CommissionRates(Map.of()).charge("", 0, lines, OptionalInt.empty());
    }

    /**
     * A return's share of what the sub-order was charged: the orders domain reverses {@code reversedAtCategoryRate}
     * of the sub-order's {@code categoryCommission} (the returned units at the category rate), settlement that
     * proportion of {@code charged}, rounded half-even — the same figure when the sub-order was charged its
     * category commission.
     */
    static long reversal(long charged, long categoryCommission, long reversedAtCategoryRate) {
        if (categoryCommission == 0) {
            return 0;
        }
        long share = halfEven(BigInteger.valueOf(charged).multiply(BigInteger.valueOf(reversedAtCategoryRate)),
                BigInteger.valueOf(categoryCommission));
        return Math.min(share, charged);
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
}
