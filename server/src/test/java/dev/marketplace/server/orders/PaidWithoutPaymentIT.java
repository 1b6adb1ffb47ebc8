package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.PARKED_EVENT;
import static dev.marketplace.schema.Tables.PAYMENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.SettlementApi.GetStatementParams;
import dev.marketplace.sdk.model.CartDiscountPreviewRequest;
import dev.marketplace.sdk.model.Coupon;
import dev.marketplace.sdk.model.CouponCreate;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.PointsAdjustmentCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ReturnReceipt;
import dev.marketplace.sdk.model.ReturnRefund;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.Statement;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.points.PointsModule;
import dev.marketplace.server.promotions.PromotionsModule;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decision 54: an order points and coupons pay wholly (points also paying the tax) is paid at checkout without the
 * payment provider, through the same events as a captured payment; a cancellation and a return give the points and
 * the coupon's budget back and refund nothing in money; the ledger reconciles and the merchant's statement is its
 * payable.
 */
class PaidWithoutPaymentIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK);

    @Test
    void anOrderPaidWhollyByPointsIsPaidAtCheckoutWithoutAPayment() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant merchant = shop.merchant("Hakone Marquetry K.K.");
        Item box = shop.item(merchant, "PWP-BOX", 2_000, 10, false);
        // The ledger's accounts are the marketplace's, shared by this class's tests: each checks what it moved.
        long escrow = shop.balance("escrow");
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        server.client().points().adjustPoints(new PointsAdjustmentCreate().customerId(customerId).points(3_000L)
                .reason("welcome"));
        UUID cartId = shop.cartWith(customer, 1, box);

        // 2,000 and its 200 of tax: points pay both, and no more.
        assertThat(customer.carts().previewCartDiscount(cartId, new CartDiscountPreviewRequest().redeemPoints(2_200L))
                .getToPay().getAmount()).isZero();
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(cartId).redeemPoints(2_201L)))
                .isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.of("points_above_maximum")));
        Order order = customer.orders().checkout(Shop.checkoutOf(cartId).redeemPoints(2_200L));

        assertThat(order.getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(order.getTotal().getAmount()).isZero();
        assertThat(order.getDiscount().getAmount()).isEqualTo(2_200L);
        assertThat(order.getSubOrders()).extracting(SubOrder::getStatus)
                .containsExactly(SubOrderStatus.AWAITING_ACCEPTANCE);
        assertThat(server.db().fetchCount(PAYMENT, PAYMENT.ORDER_ID.eq(order.getId()))).as("no payment").isZero();
        assertThat(shop.stock(box).getReserved()).as("the stock is sold, not held").isZero();
        settle();
        assertThat(shop.moneyEvents(order.getId())).contains("payment_captured", "points_redeemed",
                "commission_accrued").doesNotContain("payment_fee_charged");
        assertThat(shop.balance("escrow")).as("escrow holds what points paid").isEqualTo(escrow - 2_200L);
        assertThat(shop.balance("payment_fees")).as("no provider, no fee").isZero();
        assertThat(pointsAvailable(shop, customerId)).isEqualTo(800L);
        shop.assertLedgerReconciled();
    }

    @Test
    void aCouponForTheGoodsAndPointsForTheTaxThenACancellationAndAReturnRefundNothingInMoney() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant tea = shop.merchant("Sayama Tea K.K.");
        ActiveMerchant pottery = shop.merchant("Bizen Kiln K.K.");
        Item sencha = shop.item(tea, "PWP-SEN", 5_000, 10, false);
        Item cup = shop.item(pottery, "PWP-CUP", 2_500, 10, false);
        long escrow = shop.balance("escrow");
        long expense = shop.balance("platform_promotions_expense");
        Coupon everything = server.client().promotions().createCoupon(new CouponCreate()
                .code("ALL-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase()).name("Everything free")
                .kind(CouponCreate.KindEnum.PERCENTAGE).percentageBasisPoints(10_000).currency("JPY")
                .startsAt(now().minusHours(1)).endsAt(now().plusDays(7)));
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        server.client().points().adjustPoints(new PointsAdjustmentCreate().customerId(customerId).points(2_000L)
                .reason("welcome"));
        UUID cartId = shop.cartWith(customer, 2, sencha, cup);

        // The coupon takes the goods (2 × 5,000 + 2 × 2,500); 1,500 points pay the tax, 1,000 / 500.
        Order order = customer.orders().checkout(Shop.checkoutOf(cartId).couponCodes(List.of(everything.getCode()))
                .redeemPoints(1_500L));
        assertThat(order.getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(order.getTotal().getAmount()).isZero();
        assertThat(order.getDiscount().getAmount()).isEqualTo(16_500L);
        settle();
        assertThat(shop.balance("platform_promotions_expense")).isEqualTo(expense + 15_000L);
        assertThat(shop.balance("escrow")).as("escrow holds the sub-orders' full totals").isEqualTo(escrow - 16_500L);
        assertThat(pointsAvailable(shop, customerId)).isEqualTo(500L);
        shop.assertLedgerReconciled();

        // The tea is cancelled: no refund in money; its 1,000 points and 10,000 of the coupon's spend come back.
        SubOrder teaPart = partOf(order, tea);
        tea.client().fulfilment().acceptSubOrder(teaPart.getId(), new StatusChangeReason());
        tea.client().fulfilment().cancelSubOrder(teaPart.getId(), new Rejection().reason("sold out at the farm"));
        assertThat(pointsAvailable(shop, customerId)).isEqualTo(1_500L);
        assertThat(server.client().promotions().getCoupon(everything.getId()).getSpent().getAmount())
                .isEqualTo(5_000L);
        settle();
        assertThat(shop.balance("escrow")).as("escrow holds the pottery's sub-order").isEqualTo(escrow - 5_500L);
        assertThat(shop.balance("platform_promotions_expense")).isEqualTo(expense + 5_000L);
        shop.assertLedgerReconciled();

        // The pottery is delivered; one cup of two comes back: its 2,500 of coupon and 250 points go back, nothing
        // is refunded in money, and the return is still refunded.
        SubOrder potteryPart = partOf(order, pottery);
        pottery.client().fulfilment().acceptSubOrder(potteryPart.getId(), new StatusChangeReason());
        pottery.client().fulfilment().shipSubOrder(potteryPart.getId(), new ShipmentCreate().carrier("Yamato")
                .trackingNumber("PWP-" + potteryPart.getId().toString().substring(0, 8)));
        pottery.client().fulfilment().deliverSubOrder(potteryPart.getId(), new StatusChangeReason());
        OrderReturn requested = customer.returns().requestReturn(order.getId(), new ReturnCreate()
                .subOrderId(potteryPart.getId()).reason("chipped")
                .lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        pottery.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        pottery.client().returns().receiveReturn(requested.getId(), new ReturnReceipt());
        OrderReturn refunded = pottery.client().returns().refundReturn(requested.getId(), new ReturnRefund());
        assertThat(refunded.getStatus()).isEqualTo(OrderReturn.StatusEnum.REFUNDED);
        assertThat(pointsAvailable(shop, customerId)).isEqualTo(1_750L);
        assertThat(server.client().promotions().getCoupon(everything.getId()).getSpent().getAmount())
                .isEqualTo(2_500L);
        settle();
        assertThat(server.db().fetchCount(PAYMENT, PAYMENT.ORDER_ID.eq(order.getId()))).as("no payment").isZero();
        assertThat(shop.balance("platform_promotions_expense")).isEqualTo(expense + 2_500L);
        shop.assertLedgerReconciled();

        // The pottery keeps one cup: 2,500 + 250 of tax, less 10 % commission on 2,500 (the ledger's sign: a
        // credit, owed to the merchant, is negative). Its statement is its payable.
        long payable = shop.balance("merchant_payable:" + pottery.id());
        assertThat(payable).isEqualTo(-(2_750L - 250));
        Statement statement = pottery.client().settlement().getStatement(
                YearMonth.now(ZoneOffset.UTC).toString(), GetStatementParams.builder().currency("JPY").build());
        assertThat(statement.getOpeningBalance().getAmount()).isZero();
        assertThat(statement.getClosingBalance().getAmount()).isEqualTo(payable);
        assertThat(server.db().fetchCount(PARKED_EVENT)).as("parked events").isZero();
    }

    private static SubOrder partOf(Order order, ActiveMerchant merchant) {
        return order.getSubOrders().stream().filter(s -> s.getMerchantId().equals(merchant.id())).findFirst()
                .orElseThrow();
    }

    private static long pointsAvailable(Shop shop, UUID customerId) {
        return server.clientWithToken(shop.customerToken(customerId, "points:read")).points().getPointsBalance()
                .getAvailable();
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(CLOCK).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static void settle() {
        server.catchUp(PointsModule.ORDER_FOLLOWING, PromotionsModule.ORDER_FOLLOWING, SettlementModule.LEDGER_POSTING);
    }
}
