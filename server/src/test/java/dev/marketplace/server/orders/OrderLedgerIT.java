package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.PARKED_EVENT;
import static dev.marketplace.schema.Tables.SUB_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Orders worked through the API — paid, delivered (escrow released), rejected, cancelled or left open, at random
 * with a fixed seed — reach the ledger through its subscriber, and the ledger agrees with the orders' own tables:
 * each merchant's payable is its released totals less their commission, escrow holds what is neither released nor
 * refunded, and nothing was parked.
 */
class OrderLedgerIT {

    @RegisterExtension
    // The money events and balances pinned here are the orders domain's; points earning (decision 35) is off.
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    @Test
    void theLedgerAgreesWithTheOrdersOfTwoMerchants() throws Exception {
        Shop shop = new Shop(server, 1_150);
        ActiveMerchant tea = shop.merchant("Kyoto Tea Co., Ltd.");
        ActiveMerchant pottery = shop.merchant("Arita Pottery K.K.");
        Item sencha = shop.item(tea, "L-SEN", 1_234, 500, true);
        Item cup = shop.item(pottery, "L-CUP", 3_333, 500, false);
        Random random = new Random(14);

        for (int i = 0; i < 16; i++) {
            MarketplaceClient customer = shop.customer(UUID.randomUUID());
            Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1 + random.nextInt(3),
                    sencha, cup)));
            customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
            for (var subOrder : customer.orders().getOrder(order.getId()).getSubOrders()) {
                var fulfilment = (subOrder.getMerchantId().equals(tea.id()) ? tea : pottery).client().fulfilment();
                switch (random.nextInt(4)) {
                    case 0 -> {
                        fulfilment.acceptSubOrder(subOrder.getId(), new StatusChangeReason());
                        fulfilment.shipSubOrder(subOrder.getId(), new ShipmentCreate().carrier("Yamato")
                                .trackingNumber("L-" + i + "-" + subOrder.getId().toString().substring(0, 8)));
                        fulfilment.deliverSubOrder(subOrder.getId(), new StatusChangeReason());
                    }
                    case 1 -> fulfilment.rejectSubOrder(subOrder.getId(), new Rejection().reason("out of stock"));
                    case 2 -> {
                        fulfilment.acceptSubOrder(subOrder.getId(), new StatusChangeReason());
                        fulfilment.cancelSubOrder(subOrder.getId(), new Rejection().reason("damaged in the warehouse"));
                    }
                    default -> { } // paid, not yet shipped
                }
            }
            shop.awaitRefundsSent(order.getId());
        }
        server.catchUp(SettlementModule.LEDGER_POSTING);

        Map<String, Long> expected = new HashMap<>();
        var released = SUB_ORDER.ESCROW_RELEASED_AT.isNotNull();
        var refunded = SUB_ORDER.STATUS.in("rejected", "cancelled");
        for (ActiveMerchant merchant : List.of(tea, pottery)) {
            long payable = sum(SUB_ORDER.TOTAL_AMOUNT.minus(SUB_ORDER.COMMISSION_AMOUNT),
                    released.and(SUB_ORDER.MERCHANT_ID.eq(merchant.id())));
            expected.put("merchant_payable:" + merchant.id(), -payable);
        }
        expected.put("platform_commission_revenue", -sum(SUB_ORDER.COMMISSION_AMOUNT, released));
        expected.put("escrow", -sum(SUB_ORDER.TOTAL_AMOUNT, released.not().and(refunded.not())));
        expected.put("customer_payments", sum(SUB_ORDER.TOTAL_AMOUNT, refunded.not()));
        expected.put("refunds_clearing", 0L);
        expected.values().removeIf(balance -> balance == 0);

        Map<String, Long> balances = new HashMap<>();
        server.db().selectFrom(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.CURRENCY.eq("JPY")).forEach(account ->
                balances.put(account.getName(), account.getBalance()));
        balances.values().removeIf(balance -> balance == 0);
        assertThat(balances).isEqualTo(expected);
        assertThat(server.db().fetchCount(PARKED_EVENT)).as("parked events").isZero();
    }

    private static long sum(Field<Long> amount, Condition which) {
        return server.db().select(DSL.coalesce(DSL.sum(amount), DSL.inline(BigDecimal.ZERO)))
                .from(SUB_ORDER).where(which).and(SUB_ORDER.STATUS.ne("pending_payment"))
                .fetchSingle().value1().longValueExact();
    }
}
