package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What checkout would take off a cart now (see {@link CartService#previewDiscount}): per line, per coupon, and per
 * funder ({@code platform} or {@code merchant:{id}}), with the total before discounts and what would be left to pay.
 */
public record CartDiscountPreview(UUID cartId, Money subtotal, Money tax, Money total, Money discount, Money toPay,
                                  long redeemedPoints, List<Line> lines, List<OrderCoupons.Previewed> coupons,
                                  Map<String, Funded> funders) {

    public record Line(UUID variantId, UUID merchantId, Money subtotal, Money couponDiscount, Money pointsDiscount) {
    }

    /** What one funder would pay: by its coupons and by its points lots. */
    public record Funded(Money coupons, Money points) {
    }

    static CartDiscountPreview of(UUID cartId, Money subtotal, Money tax, long redeemedPoints, List<Line> lines,
                                  List<OrderCoupons.Previewed> coupons, Map<String, Money> pointsByFunder) {
        Money zero = Money.zero(subtotal.currency());
        Map<String, Funded> funders = new LinkedHashMap<>();
        for (OrderCoupons.Previewed coupon : coupons) {
            String funder = coupon.merchantId() == null ? "platform" : "merchant:" + coupon.merchantId();
            funders.merge(funder, new Funded(coupon.amount(), zero), CartDiscountPreview::plus);
        }
        pointsByFunder.forEach((funder, value) -> funders.merge(funder, new Funded(zero, value), CartDiscountPreview::plus));
        Money discount = lines.stream().map(line -> line.couponDiscount().plus(line.pointsDiscount()))
                .reduce(zero, Money::plus);
        Money total = subtotal.plus(tax);
        return new CartDiscountPreview(cartId, subtotal, tax, total, discount, total.minus(discount), redeemedPoints,
                List.copyOf(lines), List.copyOf(coupons), funders);
    }

    private static Funded plus(Funded a, Funded b) {
        return new Funded(a.coupons().plus(b.coupons()), a.points().plus(b.points()));
    }
}
