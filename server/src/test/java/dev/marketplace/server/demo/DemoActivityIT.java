package dev.marketplace.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.api.OrdersApi;
import dev.marketplace.sdk.api.OrdersApi.ListOrdersParams;
import dev.marketplace.sdk.api.PointsApi;
import dev.marketplace.sdk.api.PromotionsApi.ListCouponsParams;
import dev.marketplace.sdk.api.ReportsApi;
import dev.marketplace.sdk.model.Coupon;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderPage;
import dev.marketplace.sdk.model.PointsBalance;
import dev.marketplace.sdk.model.PointsLot;
import dev.marketplace.sdk.model.SalesAndLoyaltyReport;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.SecurityModule;
import dev.marketplace.server.points.PointsModule;
import dev.marketplace.server.promotions.PromotionsModule;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.TestServer;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The demo marketplace's trade, made at start-up ({@code demo.data.enabled}) on a small catalog and read back through
 * the API: orders in every state, customers' points earned, available and spent, coupons used, a non-empty report,
 * the ledger reconciled; and a second run adds nothing.
 */
class DemoActivityIT {

    private static final int CUSTOMERS = 30;
    private static final long SEED = 11;

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("demo.data.enabled", "true")
            .with("demo.data.merchants", "8")
            .with("demo.data.products", "300")
            .with("demo.data.customers", String.valueOf(CUSTOMERS))
            .with("demo.data.seed", String.valueOf(SEED));

    @Test
    void ordersPointsAndCouponsAreThereAndTheLedgerReconciles() throws Exception {
        List<Order> orders = allOrders();
        Set<UUID> customers = orders.stream().map(Order::getCustomerId).collect(Collectors.toSet());
        assertThat(customers).hasSize(CUSTOMERS);
        assertThat(orders.size()).isBetween(CUSTOMERS, 2 * CUSTOMERS);
        assertThat(orders).anySatisfy(order -> assertThat(order.getDiscount().getAmount()).isPositive());
        Set<String> states = orders.stream().flatMap(order -> order.getSubOrders().stream())
                .map(subOrder -> subOrder.getStatus().getValue()).collect(Collectors.toSet());
        assertThat(states).contains("awaiting_acceptance", "accepted", "shipped", "delivered", "cancelled");

        server.catchUp(PointsModule.ORDER_FOLLOWING, PromotionsModule.ORDER_FOLLOWING, SettlementModule.LEDGER_POSTING);
        List<PointsBalance> balances = customers.stream().map(DemoActivityIT::balance).toList();
        // Earned points wait out the return window; the available ones are what is left of the welcome points.
        assertThat(balances).anySatisfy(balance -> assertThat(balance.getPending()).isPositive());
        assertThat(balances).anySatisfy(balance -> assertThat(balance.getAvailable()).isPositive());
        // Limited-time points: some customers' next expiry is within two weeks, and the storefront lists them.
        OffsetDateTime inTwoWeeks = OffsetDateTime.now(ZoneOffset.UTC).plusDays(14);
        List<UUID> expiringSoon = customers.stream().filter(customer -> balance(customer).getNextExpiry() != null
                && balance(customer).getNextExpiry().isBefore(inTwoWeeks)).toList();
        assertThat(expiringSoon).isNotEmpty();
        assertThat(expiringSoon).allSatisfy(customer -> assertThat(expiring(customer, 14)).isNotEmpty());

        List<Coupon> coupons = server.client().promotions().listCoupons(ListCouponsParams.builder()
                .limit(100).build()).getItems();
        assertThat(coupons).extracting(Coupon::getCode).contains(DemoActivity.PLATFORM_COUPON);
        assertThat(coupons).filteredOn(coupon -> coupon.getCode().equals(DemoActivity.PLATFORM_COUPON))
                .allSatisfy(coupon -> assertThat(coupon.getUses()).isPositive());
        assertThat(coupons).filteredOn(coupon -> coupon.getMerchantId() != null).isNotEmpty();

        SalesAndLoyaltyReport report = server.client().reports().getSalesAndLoyaltyReport(
                ReportsApi.GetSalesAndLoyaltyReportParams.builder().currency("JPY")
                        .from(OffsetDateTime.now(ZoneOffset.UTC).minusDays(1))
                        .to(OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(1)).build());
        assertThat(report.getOrders()).isPositive();
        assertThat(report.getGmv().getAmount()).isPositive();
        assertThat(report.getRepeatCustomers()).isPositive();
        assertThat(report.getPointsIssued()).isPositive();
        assertThat(report.getPointsRedeemed()).isPositive();
        assertThat(report.getCouponUses()).isPositive();
        assertThat(report.getCouponCost().getAmount()).isPositive();

        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }

    @Test
    void aSecondRunAddsNothing() throws Exception {
        int orders = allOrders().size();
        int coupons = server.db().fetchCount(DSL.table("promotion_coupon"));

        assertThat(DemoActivity.runIfNoOrders(server.baseUri(), server.module(SecurityModule.class).accessTokens(),
                server.database(), SEED, Clock.systemUTC())).isEmpty();

        assertThat(allOrders()).hasSize(orders);
        assertThat(server.db().fetchCount(DSL.table("promotion_coupon"))).isEqualTo(coupons);
    }

    private static List<Order> allOrders() throws Exception {
        OrdersApi api = server.client().orders();
        List<Order> orders = new ArrayList<>();
        String cursor = null;
        do {
            OrderPage page = api.listOrders(ListOrdersParams.builder().limit(100).cursor(cursor).build());
            orders.addAll(page.getItems());
            cursor = page.getNextCursor();
        } while (cursor != null);
        return orders;
    }

    /** The customer's balance, read as a storefront acting for the customer would. */
    private static PointsBalance balance(UUID customer) {
        return pointsOf(customer).getPointsBalance();
    }

    /** The customer's lots expiring within {@code days}, as the storefront's "expiring soon" lists them. */
    private static List<PointsLot> expiring(UUID customer, int days) {
        return pointsOf(customer).listExpiringPoints(PointsApi.ListExpiringPointsParams.builder().days(days).build())
                .getItems();
    }

    private static PointsApi pointsOf(UUID customer) {
        String token = server.module(SecurityModule.class).accessTokens().issue(new Principal(PrincipalType.STOREFRONT,
                UUID.randomUUID(), "demo-activity-test", Set.of("points:read")).actingFor(customer,
                Set.of("points:read"))).value();
        return server.clientWithToken(token).points();
    }
}
