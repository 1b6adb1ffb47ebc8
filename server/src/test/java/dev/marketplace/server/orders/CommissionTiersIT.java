package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.SUB_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ReturnReceipt;
import dev.marketplace.sdk.model.ReturnRefund;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Commission as settlement charges it (decision 31), on orders worked through the API: a 15 % category's merchant
 * crosses 1,000,000 JPY of GMV in the month and is charged 12 % on the part beyond, a return gives back its share of
 * what was charged, and the operator's override replaces the category rate.
 */
class CommissionTiersIT {

    @RegisterExtension
    // The payable pinned here is commission and refunds only; points earning (decision 35) is off.
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    @Test
    void theMonthsGmvTakesTheMerchantIntoTheNextTierAndAReturnGivesBackItsShare() throws Exception {
        Shop shop = new Shop(server, 1_500);
        ActiveMerchant kimono = shop.merchant("Kyoto Kimono K.K.");
        Item obi = shop.item(kimono, "T-OBI", 300_000, 20, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());

        // 300,000 each (tax excluded): 0 → 300k → 600k → 900k at 15 %, then 900k → 1,500k across the threshold
        long[] expected = {45_000, 45_000, 45_000, 100_000 * 15 / 100 + 500_000 * 12 / 100};
        long[] quantities = {1, 1, 1, 2};
        UUID[] subOrders = new UUID[4];
        Order last = null;
        for (int i = 0; i < 4; i++) {
            last = paidOrder(shop, customer, quantities[i], obi);
            subOrders[i] = last.getSubOrders().getFirst().getId();
            deliver(kimono, subOrders[i], "T-" + i);
            post(); // one release at a time: the GMV counts them in this order
        }
        long released = server.db().select(SUB_ORDER.TOTAL_AMOUNT).from(SUB_ORDER).where(SUB_ORDER.ID.in(List.of(subOrders)))
                .fetch(SUB_ORDER.TOTAL_AMOUNT).stream().mapToLong(Long::longValue).sum();
        long charged = expected[0] + expected[1] + expected[2] + expected[3];
        assertThat(balance("merchant_payable:" + kimono.id())).isEqualTo(-(released - charged));
        assertThat(charged).as("15 %% of the first million, 12 %% of the rest").isEqualTo(150_000 + 500_000 * 12 / 100);
        assertThat(server.db().select(SUB_ORDER.COMMISSION_AMOUNT).from(SUB_ORDER).where(SUB_ORDER.ID.eq(subOrders[3]))
                .fetchSingle().value1()).as("the orders domain's figure stays the category rate's").isEqualTo(90_000);

        // One of the two units of the last sub-order comes back: half of its 90,000 at the category rate, so half
        // of the 75,000 charged.
        OrderReturn requested = customer.returns().requestReturn(last.getId(), new ReturnCreate().subOrderId(subOrders[3])
                .reason("wrong colour").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        kimono.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        kimono.client().returns().receiveReturn(requested.getId(), new ReturnReceipt().locationId(obi.locationId()));
        kimono.client().returns().refundReturn(requested.getId(), new ReturnRefund());
        shop.awaitRefundsSent(last.getId());
        post();
        long refunded = 330_000; // 300,000 with 10 % consumption tax
        assertThat(balance("merchant_payable:" + kimono.id()))
                .isEqualTo(-(released - charged - refunded + expected[3] / 2));
    }

    @Test
    void theOperatorsOverrideReplacesTheCategoryRateForSubOrdersReleasedAfterIt() throws Exception {
        Shop shop = new Shop(server, 1_500);
        ActiveMerchant tea = shop.merchant("Shizuoka Tea K.K.");
        Item sencha = shop.item(tea, "O-SEN", 10_000, 20, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order before = paidOrder(shop, customer, 1, sencha);
        Order after = paidOrder(shop, customer, 1, sencha);

        HttpResponse<String> set = server.send(server.request("/v1/settlement/merchants/" + tea.id()
                + "/commission-override").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"rateBasisPoints\":800}")).build());
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        deliver(tea, after.getSubOrders().getFirst().getId(), "O-1");
        post();
        assertThat(balance("merchant_payable:" + tea.id())).as("11,000 with tax, less 8 %% of 10,000")
                .isEqualTo(-10_200);
        HttpResponse<String> removed = server.send(server.request("/v1/settlement/merchants/" + tea.id()
                + "/commission-override").DELETE().build());
        assertThat(removed.statusCode()).isEqualTo(204);
        deliver(tea, before.getSubOrders().getFirst().getId(), "O-2");
        post();
        assertThat(balance("merchant_payable:" + tea.id())).as("then 11,000 less the category's 15 %%")
                .isEqualTo(-(10_200 + 9_500));
    }

    private static Order paidOrder(Shop shop, MarketplaceClient customer, long quantity, Item item) throws Exception {
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, quantity, item)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return customer.orders().getOrder(order.getId());
    }

    private static void deliver(ActiveMerchant merchant, UUID subOrder, String tracking) throws Exception {
        var fulfilment = merchant.client().fulfilment();
        fulfilment.acceptSubOrder(subOrder, new StatusChangeReason());
        fulfilment.shipSubOrder(subOrder, new ShipmentCreate().carrier("Yamato").trackingNumber(tracking));
        fulfilment.deliverSubOrder(subOrder, new StatusChangeReason());
    }

    private static void post() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    private static long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .and(LEDGER_ACCOUNT.CURRENCY.eq("JPY")).fetchOptional(LEDGER_ACCOUNT.BALANCE).orElse(0L);
    }
}
