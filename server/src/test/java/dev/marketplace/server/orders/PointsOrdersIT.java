package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.PARKED_EVENT;
import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.PointsApi;
import dev.marketplace.sdk.api.SettlementApi;
import dev.marketplace.sdk.model.LedgerAccount;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.PointsBalance;
import dev.marketplace.sdk.model.PointsCampaignCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.points.PointsModule;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A customer's points through the SDK, the ledger checked after every step: earned on a 3× points day, pending until
 * the return window after delivery has passed (by the clock), redeemed at checkout across two merchants, given back
 * when one sub-order is cancelled, and expired.
 */
class PointsOrdersIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK);

    @Test
    void earnWaitRedeemCancelExpire() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant tea = shop.merchant("Uji Tea Co., Ltd.");
        ActiveMerchant pottery = shop.merchant("Mashiko Pottery K.K.");
        Item sencha = shop.item(tea, "P-SEN", 10_000, 50, false);
        Item cup = shop.item(pottery, "P-CUP", 5_000, 50, false);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        server.client().points().createPointsCampaign(new PointsCampaignCreate()
                .name("Super Points day").multiplierBasisPoints(30_000).capPerOrder(1_000L)
                .startsAt(now.minusHours(1)).endsAt(now.plusDays(1)), null);
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        PointsApi points = server.clientWithToken(shop.customerToken(customerId, "cart:write",
                "orders:read", "orders:write", "points:read")).points();

        // Earned on the points day: base 1 % by each merchant, and twice that again by the platform's campaign.
        Order first = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha, cup)), null);
        customer.payments().payOrder(first.getId(), new PaymentCreate().paymentMethod("pm_card_ok"), null);
        settle();
        assertBalance(points, 0, 100 + 200 + 50 + 100);
        assertLedgerBalanced();
        assertThat(accounts(tea.client())).as("the merchant's statement shows the points it funds")
                .contains("merchant_points_liability:" + tea.id());

        // Delivered: pending through the return window, available after it.
        for (SubOrder subOrder : customer.orders().getOrder(first.getId()).getSubOrders()) {
            deliver(subOrder.getMerchantId().equals(tea.id()) ? tea : pottery, subOrder);
        }
        settle();
        server.runJob(PointsModule.RETURN_WINDOW_JOB);
        assertBalance(points, 0, 450);
        CLOCK.advance(Duration.ofDays(15));
        server.runJob(PointsModule.RETURN_WINDOW_JOB);
        assertBalance(points, 450, 0);
        assertLedgerBalanced();

        // Redeemed across two merchants: 300 points allocated 200 / 100 by price; earning on the rest.
        Order second = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha, cup))
                .redeemPoints(300L), null);
        assertThat(second.getDiscount().getAmount()).isEqualTo(300L);
        assertThat(second.getTotal().getAmount()).isEqualTo(15_000 + 1_500 - 300);
        assertThat(points.getPointsBalance().getAvailable()).isEqualTo(150L);
        customer.payments().payOrder(second.getId(), new PaymentCreate().paymentMethod("pm_card_ok"), null);
        settle();
        long teaEarned = 98 + 196;
        long potteryEarned = 49 + 98;
        assertBalance(points, 150, teaEarned + potteryEarned);
        assertLedgerBalanced();

        // The tea sub-order is cancelled: its 200 points come back, its earnings are voided, its refund is in money
        // for what money paid.
        SubOrder teaPart = customer.orders().getOrder(second.getId()).getSubOrders().stream()
                .filter(s -> s.getMerchantId().equals(tea.id())).findFirst().orElseThrow();
        tea.client().fulfilment().acceptSubOrder(teaPart.getId(), new StatusChangeReason());
        tea.client().fulfilment().cancelSubOrder(teaPart.getId(), new Rejection().reason("damaged in the warehouse"));
        assertBalance(points, 350, potteryEarned);
        shop.awaitRefundsSent(second.getId());
        assertThat(server.db().select(PAYMENT_REFUND.AMOUNT).from(PAYMENT_REFUND).join(PAYMENT)
                .on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID)).where(PAYMENT.ORDER_ID.eq(second.getId()))
                .fetchSingle().value1()).isEqualTo(11_000L - 200);
        settle();
        assertLedgerBalanced();
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, cup))
                .redeemPoints(351L), null)).hasMessageContaining("insufficient_points");

        // A year on, the available lots lapse; the pending ones wait for their delivery.
        CLOCK.advance(Duration.ofDays(360));
        assertThat(points.listExpiringPoints(PointsApi.ListExpiringPointsParams.builder().days(30).build()).getItems().stream().mapToLong(lot -> lot.getRemaining()).sum())
                .as("expiring soon: what is left of the first order's lots, and the points the cancellation gave back")
                .isEqualTo(350L);
        CLOCK.advance(Duration.ofDays(10));
        server.runJob(PointsModule.EXPIRY_JOB);
        assertBalance(points, 0, potteryEarned);
        settle();
        assertLedgerBalanced();
        assertThat(points.listPointsHistory(PointsApi.ListPointsHistoryParams.builder().limit(200).build()).getItems()).extracting(e -> e.getKind().getValue())
                .contains("earned", "became_available", "redeemed", "voided", "redemption_returned", "expired");
        assertThat(server.db().fetchCount(PARKED_EVENT)).as("parked events").isZero();
    }

    private static void deliver(ActiveMerchant merchant, SubOrder subOrder) throws Exception {
        merchant.client().fulfilment().acceptSubOrder(subOrder.getId(), new StatusChangeReason());
        merchant.client().fulfilment().shipSubOrder(subOrder.getId(), new ShipmentCreate().carrier("Yamato")
                .trackingNumber("PT-" + subOrder.getId().toString().substring(0, 8)));
        merchant.client().fulfilment().deliverSubOrder(subOrder.getId(), new StatusChangeReason());
    }

    private static void assertBalance(PointsApi points, long available, long pending) {
        PointsBalance balance = points.getPointsBalance();
        assertThat(balance.getAvailable()).as("available").isEqualTo(available);
        assertThat(balance.getPending()).as("pending").isEqualTo(pending);
    }

    /** Both subscribers have handled every settled event (points first: it appends movements the ledger posts). */
    private static void settle() {
        server.catchUp(PointsModule.ORDER_FOLLOWING, SettlementModule.LEDGER_POSTING);
    }

    /**
     * The ledger reconciles, and the points liability it holds equals, in money, the points customers hold or
     * unpaid orders keep aside — the points ledger and the money ledger agree.
     */
    private static void assertLedgerBalanced() {
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
        long liability = server.db().select(DSL.coalesce(DSL.sum(LEDGER_ACCOUNT.BALANCE), DSL.inline(BigDecimal.ZERO)))
                .from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq("platform_points_liability")
                        .or(LEDGER_ACCOUNT.NAME.like("merchant_points_liability:%")))
                .fetchSingle().value1().longValueExact();
        long held = ((Number) server.db().fetchValue("""
                SELECT (SELECT COALESCE(sum(remaining), 0) FROM points_lot WHERE state IN ('pending', 'available'))
                     + (SELECT COALESCE(sum(r.points - r.returned), 0) FROM points_redemption r
                          JOIN points_order o ON o.order_id = r.order_id WHERE o.state = 'placed')""")).longValue();
        assertThat(-liability).as("points liability in the ledger").isEqualTo(held);
    }

    private static java.util.List<String> accounts(MarketplaceClient merchant) {
        return merchant.settlement().listLedgerAccounts(SettlementApi.ListLedgerAccountsParams.builder().limit(200).build()).getItems().stream()
                .map(LedgerAccount::getName).toList();
    }
}
