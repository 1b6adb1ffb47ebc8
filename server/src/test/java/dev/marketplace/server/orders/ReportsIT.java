package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.PointsApi;
import dev.marketplace.sdk.api.ReportsApi;
import dev.marketplace.sdk.model.Coupon;
import dev.marketplace.sdk.model.CouponCreate;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.PointsLot;
import dev.marketplace.sdk.model.PositiveMoney;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.SalesAndLoyaltyReport;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.points.PointsModule;
import dev.marketplace.server.promotions.PromotionsModule;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sales and loyalty report against an independent computation over the same orders, read back through the SDK:
 * the marketplace's and one merchant's, as JSON and as CSV; a merchant cannot read another's.
 */
class ReportsIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void figuresAgreeWithTheOrdersTheyCount() throws Exception {
        OffsetDateTime from = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1);
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant tea = shop.merchant("Report Tea Co.");
        ActiveMerchant pottery = shop.merchant("Report Pottery K.K.");
        Item sencha = shop.item(tea, "RPT-SEN", 4_000, 100, false);
        Item cup = shop.item(pottery, "RPT-CUP", 2_500, 100, false);
        Coupon coupon = tea.client().promotions().createCoupon(new CouponCreate().code("RPT-" + UUID.randomUUID()
                        .toString().substring(0, 8)).name("500 off").kind(CouponCreate.KindEnum.FIXED_AMOUNT)
                .amountOff(new PositiveMoney().amount(500L).currency("JPY")).currency("JPY")
                .startsAt(from).endsAt(from.plusDays(1)));
        UUID repeat = UUID.randomUUID();
        UUID once = UUID.randomUUID();
        List<Order> orders = new ArrayList<>();
        orders.add(paid(shop, repeat, List.of(coupon.getCode()), sencha));
        orders.add(paid(shop, repeat, List.of(), sencha, cup));
        Order cancelled = paid(shop, once, List.of(), sencha, cup);
        orders.add(cancelled);
        MarketplaceClient unpaidCustomer = shop.customer(once);
        unpaidCustomer.orders().checkout(Shop.checkoutOf(shop.cartWith(unpaidCustomer, 3, cup)));
        SubOrder cancelledTea = cancelled.getSubOrders().stream().filter(s -> s.getMerchantId().equals(tea.id()))
                .findFirst().orElseThrow();
        tea.client().fulfilment().acceptSubOrder(cancelledTea.getId(), new StatusChangeReason());
        tea.client().fulfilment().cancelSubOrder(cancelledTea.getId(), new Rejection().reason("sold out"));
        server.catchUp(PointsModule.ORDER_FOLLOWING, PromotionsModule.ORDER_FOLLOWING);
        OffsetDateTime to = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(1);

        ReportsApi reports = server.client().reports();
        // The marketplace holds other tests' orders too: the merchant's reports are the ones computed exactly here.
        for (ActiveMerchant merchant : List.of(tea, pottery)) {
            List<SubOrder> counted = orders.stream().map(o -> shop.customer(o.getCustomerId()).orders()
                            .getOrder(o.getId()))
                    .flatMap(o -> o.getSubOrders().stream().map(s -> Map.entry(o, s)))
                    .filter(e -> e.getValue().getMerchantId().equals(merchant.id()))
                    .filter(e -> e.getValue().getStatus() != SubOrderStatus.CANCELLED)
                    .map(Map.Entry::getValue).toList();
            Map<UUID, UUID> customerOfOrder = orders.stream().collect(Collectors.toMap(Order::getId,
                    Order::getCustomerId));
            Map<UUID, UUID> orderOfSubOrder = orders.stream().flatMap(o -> o.getSubOrders().stream()
                    .map(s -> Map.entry(s.getId(), o.getId()))).collect(Collectors.toMap(Map.Entry::getKey,
                    Map.Entry::getValue));
            long gmv = counted.stream().mapToLong(s -> s.getTotal().getAmount()).sum();
            Set<UUID> countedOrders = counted.stream().map(s -> orderOfSubOrder.get(s.getId())).collect(Collectors.toSet());
            Map<UUID, Long> ordersByCustomer = countedOrders.stream().collect(Collectors.groupingBy(
                    customerOfOrder::get, Collectors.counting()));
            long repeatCustomers = ordersByCustomer.values().stream().filter(n -> n >= 2).count();
            long issued = List.of(repeat, once).stream().flatMap(c -> lots(shop, c).stream())
                    .filter(lot -> lot.getFunder().equals("merchant:" + merchant.id()))
                    .filter(lot -> lot.getRule().equals("base")).mapToLong(PointsLot::getPoints).sum();
            long couponCost = merchant == tea ? 500 : 0;

            SalesAndLoyaltyReport report = reports.getSalesAndLoyaltyReport(ReportsApi.GetSalesAndLoyaltyReportParams
                    .builder().currency("JPY").from(from).to(to).merchantId(merchant.id()).build());
            assertThat(report.getGmv().getAmount()).as("GMV").isEqualTo(gmv);
            assertThat(report.getOrders()).as("orders").isEqualTo(countedOrders.size());
            assertThat(report.getAverageOrderValue().getAmount()).isEqualTo(gmv / countedOrders.size());
            assertThat(report.getCustomers()).isEqualTo(ordersByCustomer.size());
            assertThat(report.getRepeatCustomers()).isEqualTo(repeatCustomers);
            assertThat(report.getRepeatPurchaseRateBasisPoints()).isEqualTo(repeatCustomers * 10_000 / ordersByCustomer.size());
            assertThat(report.getCustomerLifetimeValue().getAmount()).isEqualTo(gmv / ordersByCustomer.size());
            assertThat(report.getPointsIssued()).as("points issued").isEqualTo(issued).isPositive();
            assertThat(report.getPointsRedeemed()).isZero();
            assertThat(report.getPointsUsageRateBasisPoints()).isZero();
            assertThat(report.getCouponCost().getAmount()).isEqualTo(couponCost);
            assertThat(report.getCouponUses()).isEqualTo(merchant == tea ? 1 : 0);

            // The merchant reads the same report of its own, and as CSV.
            assertThat(merchant.client().reports().getSalesAndLoyaltyReport(
                    ReportsApi.GetSalesAndLoyaltyReportParams.builder().currency("JPY").from(from).to(to).build()))
                    .isEqualTo(report);
            HttpResponse<String> csv = server.send(server.request("/v1/reports/sales-and-loyalty?currency=JPY&from="
                    + from.toInstant() + "&to=" + to.toInstant() + "&merchantId=" + merchant.id())
                    .header("Accept", "text/csv").GET().build());
            assertThat(csv.statusCode()).isEqualTo(200);
            String[] rows = csv.body().split("\r\n");
            assertThat(rows[0]).startsWith("merchant_id,currency,from,to,gmv,orders,");
            assertThat(rows[1]).startsWith(merchant.id() + ",JPY,").contains("," + gmv + "," + countedOrders.size() + ",");
        }
        assertThatThrownBy(() -> tea.client().reports().getSalesAndLoyaltyReport(
                ReportsApi.GetSalesAndLoyaltyReportParams.builder().currency("JPY").from(from).to(to)
                        .merchantId(pottery.id()).build()))
                .isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.of("forbidden")));
        SalesAndLoyaltyReport marketplace = reports.getSalesAndLoyaltyReport(ReportsApi.GetSalesAndLoyaltyReportParams
                .builder().currency("JPY").from(from).to(to).build());
        assertThat(marketplace.getMerchantId()).isNull();
        assertThat(marketplace.getGmv().getAmount()).isGreaterThanOrEqualTo(2 * 4_400 + 2 * 2_750);
    }

    private static Order paid(Shop shop, UUID customerId, List<String> codes, Item... items) throws Exception {
        MarketplaceClient customer = shop.customer(customerId);
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, items)).couponCodes(codes));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return order;
    }

    private static List<PointsLot> lots(Shop shop, UUID customer) {
        return server.clientWithToken(shop.customerToken(customer, "points:read")).points()
                .listPointsLots(PointsApi.ListPointsLotsParams.builder().limit(200).build()).getItems();
    }
}
