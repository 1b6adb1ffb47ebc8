package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.PAYMENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.Payment;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.TestServer;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A payment's steps (record the intent, authorize at the provider, record the outcome, sell the stock) and the
 * compensation of the first: a provider's refusal after the intent committed fails the intent, so the order stays
 * payable with its stock still reserved.
 */
class PaymentStepsIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static Shop shop;
    private static Item hojicha;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        hojicha = shop.item(shop.merchant("Hojicha Steps K.K."), "S-HOJI", 1_200, 5, true);
    }

    @Test
    void aPaymentTheProviderRefusesIsUndoneToAFailedIntentAndTheOrderStaysPayableWithItsStockReserved() throws Exception {
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, hojicha)));

        assertThatThrownBy(() -> customer.payments().payOrder(order.getId(),
                new PaymentCreate().paymentMethod("pm_unknown_to_the_provider")))
                .isInstanceOfSatisfying(ValidationException.class,
                        e -> assertThat(e.problem().toString()).contains("payment_refused"));

        var intent = server.db().selectFrom(PAYMENT).where(PAYMENT.ORDER_ID.eq(order.getId())).fetchSingle();
        assertThat(intent.getStatus()).as("the intent is undone, not left pending").isEqualTo("failed");
        assertThat(intent.getFailureCode()).isEqualTo("invalid_payment_method");
        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PLACED);
        assertThat(shop.stock(hojicha).getReserved()).isEqualTo(2);

        Payment paid = customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        assertThat(paid.getStatus()).isEqualTo(Payment.StatusEnum.CAPTURED);
        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(shop.stock(hojicha).getReserved()).as("the last step sold the stock").isZero();
        assertThat(shop.stock(hojicha).getOnHand()).isEqualTo(3);
    }
}
