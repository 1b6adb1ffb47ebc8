package dev.marketplace.server.points;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What an order earns, sub-order by sub-order and rule by rule, each grant with the one who pays for it:
 * <ul>
 *   <li>base: the base rate on the sub-order's earning basis (price excluding tax, after the points discount), paid
 *       by the selling merchant;</li>
 *   <li>each campaign running at payment: (multiplier − 1) × the base rate on the basis of the lines it covers (its
 *       merchant, its category), capped per order — the cap spread over the sub-orders in proportion to what each
 *       would have earned — paid by the campaign's merchant, or the platform for its own;</li>
 *   <li>the customer's tier: its bonus rate on the basis, paid by the platform.</li>
 * </ul>
 * Every grant rounds down; grants of 0 points are left out.
 */
final class EarningRules {

    private static final long BASIS_POINTS = 10_000;

    /** A line's earning basis in minor units. */
    record LineBasis(UUID subOrderId, UUID merchantId, UUID categoryId, long basis) {
    }

    record Campaign(UUID id, UUID merchantId, UUID categoryId, int multiplierBasisPoints, long capPerOrder) {
    }

    /** Points earned by one sub-order under one rule, funded by {@code funder} ({@link PointsLedger#funderOf}). */
    record Grant(UUID subOrderId, String rule, String funder, long points) {
    }

    private EarningRules() {
    }

    /**
     * @param pointValue minor units per point: the basis is divided by it, so 1 % of 1,000 JPY at 1 point = 1 JPY is
     *                   10 points
     */
    static List<Grant> earn(List<LineBasis> lines, long pointValue, int baseRateBasisPoints, List<Campaign> campaigns,
                            String tier, int tierBonusBasisPoints) {
        Map<UUID, List<LineBasis>> bySubOrder = new LinkedHashMap<>();
        lines.forEach(line -> bySubOrder.computeIfAbsent(line.subOrderId(), id -> new ArrayList<>()).add(line));
        List<Grant> grants = new ArrayList<>();
        bySubOrder.forEach((subOrder, subOrderLines) -> {
            long basis = subOrderLines.stream().mapToLong(LineBasis::basis).sum();
            UUID merchant = subOrderLines.getFirst().merchantId();
            add(grants, new Grant(subOrder, "base", PointsLedger.funderOf(merchant),
                    Shares.floorOf(basis, baseRateBasisPoints, BASIS_POINTS * pointValue)));
            add(grants, new Grant(subOrder, "tier:" + tier, PointsLedger.PLATFORM,
                    Shares.floorOf(basis, tierBonusBasisPoints, BASIS_POINTS * pointValue)));
        });
        for (Campaign campaign : campaigns) {
            List<UUID> subOrders = new ArrayList<>(bySubOrder.keySet());
            long[] raw = new long[subOrders.size()];
            long total = 0;
            for (int i = 0; i < subOrders.size(); i++) {
                long covered = bySubOrder.get(subOrders.get(i)).stream().filter(line -> covers(campaign, line))
                        .mapToLong(LineBasis::basis).sum();
                raw[i] = Shares.floorOf(covered, (long) baseRateBasisPoints * (campaign.multiplierBasisPoints() - BASIS_POINTS),
                        BASIS_POINTS * BASIS_POINTS * pointValue);
                total += raw[i];
            }
            long[] granted = total > campaign.capPerOrder() ? Shares.allocate(campaign.capPerOrder(), raw) : raw;
            for (int i = 0; i < subOrders.size(); i++) {
                add(grants, new Grant(subOrders.get(i), "campaign:" + campaign.id(),
                        PointsLedger.funderOf(campaign.merchantId()), granted[i]));
            }
        }
        return grants;
    }

    private static boolean covers(Campaign campaign, LineBasis line) {
        return (campaign.merchantId() == null || campaign.merchantId().equals(line.merchantId()))
                && (campaign.categoryId() == null || campaign.categoryId().equals(line.categoryId()));
    }

    private static void add(List<Grant> grants, Grant grant) {
        if (grant.points() > 0) {
            grants.add(Objects.requireNonNull(grant));
        }
    }
}
