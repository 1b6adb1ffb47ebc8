package dev.marketplace.server.reports;

import dev.marketplace.server.orders.SalesFigures;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.points.PointsFigures;
import dev.marketplace.server.promotions.CouponFigures;

/**
 * The reports merchants and the operator run on sales, points and coupons (decision 42): no tables of its own, each
 * figure from the domain that owns it. Routes {@code /v1/reports}.
 */
public final class ReportsModule implements Module {

    private final Reports reports;

    public ReportsModule(SalesFigures sales, PointsFigures points, CouponFigures coupons) {
        this.reports = new Reports(sales, points, coupons);
    }

    @Override
    public String name() {
        return "reports";
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ReportsHttpService.PATH, new ReportsHttpService(reports));
    }
}
