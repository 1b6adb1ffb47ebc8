package dev.marketplace.server.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.HttpPaymentProviderStub;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refunds are sent outside any transaction (decision 27): while the provider takes its time answering a refund, no
 * connection of the server sits idle inside a transaction — the refund was claimed in a transaction that committed
 * before the call, and its outcome is recorded in another after it.
 */
class RefundSendingIT {

    private static final Duration PROVIDER_DELAY = Duration.ofSeconds(3);
    /** A transaction idle this long between statements is one waiting for something outside the database. */
    private static final String HELD_TRANSACTIONS = """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND state LIKE 'idle in transaction%' AND clock_timestamp() - state_change > interval '500 milliseconds'""";

    private static final WireMockServer provider = LoopbackWireMock.started();

    @RegisterExtension
    static final TestServer server = HttpPaymentProviderStub.payingThrough(new TestServer(), provider)
            .with("outbound.targets.payments.timeout", "PT10S");

    private static Shop shop;
    private static ActiveMerchant tea;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Kyoto Tea Co., Ltd.");
    }

    @AfterAll
    static void stopProvider() {
        provider.stop();
    }

    @Test
    void noTransactionIsHeldWhileTheProviderTakesItsTimeOverARefund() throws Exception {
        Item item = shop.item(tea, "SLOW-REFUND-1", 2_000, 5, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, item)));
        long total = order.getTotal().getAmount();
        provider.stubFor(post(urlPathEqualTo("/v1/payments")).willReturn(json("""
                {"id": "pay_slow_refund", "status": "captured", "currency": "JPY", "authorized": %d, "captured": %d,
                 "refunded": 0}""".formatted(total, total))));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        provider.stubFor(post(urlPathEqualTo("/v1/payments/pay_slow_refund/refunds")).willReturn(json("""
                {"id": "re_slow", "paymentId": "pay_slow_refund", "amount": %d, "currency": "JPY",
                 "status": "succeeded"}""".formatted(total)).withFixedDelay((int) PROVIDER_DELAY.toMillis())));

        // From the rejection that requests the refund until its outcome is recorded, look at every connection of ours.
        long watchingSince = System.nanoTime();
        tea.client().fulfilment().rejectSubOrder(order.getSubOrders().getFirst().getId(), new Rejection().reason("sold out"));
        List<Integer> heldTransactions = new ArrayList<>();
        Await.until(Duration.ofSeconds(20), "the refund's outcome is recorded", () -> {
            heldTransactions.add(server.db().fetchSingle(DSL.resultQuery(HELD_TRANSACTIONS)).into(Integer.class));
            return !"pending".equals(refundStatus(order.getId()));
        });
        Duration watched = Duration.ofNanos(System.nanoTime() - watchingSince);

        assertThat(watched).as("watched while the provider answered").isGreaterThan(PROVIDER_DELAY);
        assertThat(heldTransactions).as("transactions idle over 0.5 s, sampled while the refund was sent")
                .hasSizeGreaterThan(20).containsOnly(0);
        assertThat(refundStatus(order.getId())).isEqualTo("succeeded");
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems().getFirst().getRefunded().getAmount())
                .isEqualTo(total);
    }

    private static String refundStatus(UUID orderId) {
        return server.db().fetchValue(DSL.select(PAYMENT_REFUND.STATUS).from(PAYMENT_REFUND)
                .join(PAYMENT).on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID)).where(PAYMENT.ORDER_ID.eq(orderId)));
    }

    private static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }
}
