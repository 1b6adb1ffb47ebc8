package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
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
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jooq.Record3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A refund the built-in provider refuses every time (decision 52): it is sent again on the retry schedule with its
 * own key, then given up with a {@code refund_failed} event, whose posting undoes the return's commission reversal —
 * the merchant keeps the customer's money, so it does not get the commission back either — and the ledger reconciles.
 */
class RefundFailureIT {

    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(clock)
            .with("points.base-rate-bp", "0")
            .with("payments.refunds.retry.attempts", "3")
            .with("payments.refunds.retry.backoff", "PT1M");

    @Test
    void aReturnsRefundRefusedOnEveryAttemptIsGivenUpAndItsCommissionReversalUndone() throws Exception {
        Shop shop = new Shop(server, 1_500);
        ActiveMerchant kimono = shop.merchant("Nara Kimono K.K.");
        Item obi = shop.item(kimono, "RF-OBI", 10_000, 10, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, obi)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_refund_declined"));
        UUID subOrder = order.getSubOrders().getFirst().getId();
        var fulfilment = kimono.client().fulfilment();
        fulfilment.acceptSubOrder(subOrder, new StatusChangeReason());
        fulfilment.shipSubOrder(subOrder, new ShipmentCreate().carrier("Yamato").trackingNumber("RF-1"));
        fulfilment.deliverSubOrder(subOrder, new StatusChangeReason());
        post();
        long released = server.db().select(SUB_ORDER.TOTAL_AMOUNT).from(SUB_ORDER).where(SUB_ORDER.ID.eq(subOrder))
                .fetchSingle().value1();
        long payableBeforeTheReturn = balance("merchant_payable:" + kimono.id());
        assertThat(payableBeforeTheReturn).as("22,000 released less 15 %% of 20,000").isEqualTo(-(released - 3_000));
        long revenueBeforeTheReturn = balance("platform_commission_revenue");

        OrderReturn requested = customer.returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(subOrder)
                .reason("too long").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        kimono.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        kimono.client().returns().receiveReturn(requested.getId(), new ReturnReceipt().locationId(obi.locationId()));
        kimono.client().returns().refundReturn(requested.getId(), new ReturnRefund());

        // Refused at once, then due again 1 minute later, then 2: each attempt counted, the same key each time.
        awaitAttempts(order.getId(), 1);
        post();
        assertThat(balance("merchant_payable:" + kimono.id())).as("the return's commission reversal, 1,500, posted")
                .isEqualTo(payableBeforeTheReturn - 1_500);
        assertThat(refund(order.getId()).value1()).isEqualTo("pending");
        clock.advance(Duration.ofSeconds(61));
        awaitAttempts(order.getId(), 2);
        assertThat(refund(order.getId()).value1()).as("not due before its 2 minutes").isEqualTo("pending");
        clock.advance(Duration.ofSeconds(61));
        server.runJob(dev.marketplace.server.payments.PaymentService.REFUND_SENDING_JOB);
        assertThat(refund(order.getId()).value2()).as("still 2 attempts a minute later").isEqualTo(2);
        clock.advance(Duration.ofSeconds(61));
        awaitAttempts(order.getId(), 3);
        Record3<String, Integer, String> failed = refund(order.getId());
        assertThat(failed.value1()).isEqualTo("failed");
        assertThat(failed.value3()).isEqualTo("refund_declined");
        assertThat(server.db().fetchCount(DOMAIN_EVENT, DOMAIN_EVENT.TYPE.eq("refund_failed"),
                DOMAIN_EVENT.MERCHANT_ID.eq(kimono.id()), DOMAIN_EVENT.SUB_ORDER_ID.eq(subOrder))).isEqualTo(1);

        post();
        assertThat(balance("merchant_payable:" + kimono.id()))
                .as("the merchant keeps the unrefunded 11,000 and the 1,500 commission is charged again")
                .isEqualTo(payableBeforeTheReturn);
        assertThat(balance("platform_commission_revenue")).isEqualTo(revenueBeforeTheReturn);
        assertThat(balance("refunds_clearing")).isZero();
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems().getFirst().getRefunded().getAmount())
                .isZero();
    }

    private static void awaitAttempts(UUID orderId, int attempts) {
        Await.until(Duration.ofSeconds(10), attempts + " refused attempts", () -> refund(orderId).value2() >= attempts);
        assertThat(refund(orderId).value2()).isEqualTo(attempts);
    }

    private static Record3<String, Integer, String> refund(UUID orderId) {
        return server.db().select(PAYMENT_REFUND.STATUS, PAYMENT_REFUND.ATTEMPTS, PAYMENT_REFUND.FAILURE_CODE)
                .from(PAYMENT_REFUND).join(PAYMENT).on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID))
                .where(PAYMENT.ORDER_ID.eq(orderId)).fetchSingle();
    }

    private static void post() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    private static long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .and(LEDGER_ACCOUNT.CURRENCY.eq("JPY")).fetchOptional(LEDGER_ACCOUNT.BALANCE).orElse(0L);
    }
}
