package dev.marketplace.server.reports;

import dev.marketplace.server.orders.SalesFigures;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.points.PointsFigures;
import dev.marketplace.server.promotions.CouponFigures;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * The sales and loyalty report of a period: a merchant's own, or the operator's of the whole marketplace or of one
 * merchant. Each figure is defined in the contract (`SalesAndLoyaltyReport`); rates are in basis points, rounded
 * down, 0 when there is nothing to divide by.
 */
public final class Reports {

    public record Report(UUID merchantId, String currency, OffsetDateTime from, OffsetDateTime to, Money gmv, long orders,
                  Money averageOrderValue, long customers, long repeatCustomers, long repeatPurchaseRateBasisPoints,
                  Money customerLifetimeValue, long pointsIssued, long pointsRedeemed, long pointsExpired,
                  long pointsUsageRateBasisPoints, Money couponCost, long couponUses) {
    }

    private final SalesFigures sales;
    private final PointsFigures points;
    private final CouponFigures coupons;

    Reports(SalesFigures sales, PointsFigures points, CouponFigures coupons) {
        this.sales = sales;
        this.points = points;
        this.coupons = coupons;
    }

    Report report(Principal caller, Optional<UUID> merchantId, String currency, OffsetDateTime from,
                  OffsetDateTime to) {
        Optional<UUID> merchant = merchantId;
        if (caller.type() == PrincipalType.MERCHANT) {
            if (merchant.filter(id -> !id.equals(caller.id())).isPresent()) {
                throw ProblemException.forbidden("A merchant reads its own report.");
            }
            merchant = Optional.of(caller.id());
        } else if (!caller.isOperator()) {
            throw ProblemException.forbidden("Reports are the operator's and merchants'.");
        }
        SalesFigures.Sales sold = sales.sales(merchant, currency, from, to);
        PointsFigures.Points pointsMoved = points.points(merchant, from, to);
        CouponFigures.Coupons couponsUsed = coupons.coupons(merchant, currency, from, to);
        return new Report(merchant.orElse(null), currency, from, to, Money.of(sold.gmv(), currency), sold.orders(),
                Money.of(ratio(sold.gmv(), sold.orders()), currency), sold.customers(), sold.repeatCustomers(),
                basisPoints(sold.repeatCustomers(), sold.customers()),
                Money.of(ratio(sold.lifetimeGmv(), sold.lifetimeCustomers()), currency), pointsMoved.issued(),
                pointsMoved.redeemed(), pointsMoved.expired(), basisPoints(pointsMoved.redeemed(), pointsMoved.issued()),
                Money.of(couponsUsed.cost(), currency), couponsUsed.uses());
    }

    private static long ratio(long numerator, long denominator) {
        return denominator == 0 ? 0 : numerator / denominator;
    }

    private static long basisPoints(long part, long whole) {
        return whole == 0 ? 0 : Math.multiplyExact(part, 10_000L) / whole;
    }
}
