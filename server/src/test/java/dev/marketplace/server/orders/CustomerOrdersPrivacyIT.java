package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.CustomersApi;
import dev.marketplace.sdk.model.Customer;
import dev.marketplace.sdk.model.CustomerConfirmation;
import dev.marketplace.sdk.model.CustomerExport;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestCustomers.SignInClient;
import dev.marketplace.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A customer's orders in their privacy requests: the export lists them with their shipping addresses; erasure is
 * refused while an order is open, and afterwards leaves the orders' amounts but no address readable.
 */
class CustomerOrdersPrivacyIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void shippingAddressesAreSealedAtRest() throws Exception {
        Shop shop = new Shop(server, 1000);
        Item item = shop.item(shop.merchant("Sealed Tea KK"), "SEAL-1", 1_000, 5, false);
        MarketplaceClient buyer = shop.customer(UUID.randomUUID());
        Order order = buyer.orders().checkout(Shop.checkoutOf(shop.cartWith(buyer, 1, item)));

        byte[] stored = server.db().select(CUSTOMER_ORDER.SHIPPING_ADDRESS_SEALED).from(CUSTOMER_ORDER)
                .where(CUSTOMER_ORDER.ID.eq(order.getId())).fetchSingle().value1();
        String raw = new String(stored, StandardCharsets.ISO_8859_1);
        assertThat(raw).doesNotContain(Shop.address().getLine1()).doesNotContain(Shop.address().getPhone());
        assertThat(buyer.orders().getOrder(order.getId()).getShippingAddress()).isEqualTo(Shop.address());
    }

    @Test
    void ordersAreExportedAndTheirAddressesErasedOnceNoOrderIsOpen() throws Exception {
        TestCustomers customers = new TestCustomers(server);
        SignInClient storefront = customers.storefront("Shop A", "https://shop.example/callback");
        UUID customerId = customers.registerVerified(storefront, "orders@example.jp");
        CustomersApi me = server.clientWithToken(customers.signIn(storefront, "orders@example.jp",
                "customers:read customers:write").accessToken()).customers();
        Shop shop = new Shop(server, 1000);
        ActiveMerchant tea = shop.merchant("Kyoto Tea Co., Ltd.");
        Item item = shop.item(tea, "PRIV-1", 2_000, 5, false);
        MarketplaceClient buyer = shop.customer(customerId);
        Order order = buyer.orders().checkout(Shop.checkoutOf(shop.cartWith(buyer, 1, item)));
        buyer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        ShippingAddress address = Shop.address();

        CustomerExport export = me.exportMyCustomerData();
        assertThat(export.getSections()).containsKey("orders");
        assertThat(export.getSections().get("orders").toString()).contains(order.getId().toString(), address.getLine1());

        MarketplaceException open = catchThrowableOfType(MarketplaceException.class,
                () -> me.eraseMyCustomerData(new CustomerConfirmation().version(1L)));
        assertThat(open.status()).isEqualTo(409);
        assertThat(open.code()).isEqualTo(ErrorCode.ORDERS_IN_PROGRESS);
        assertThat(me.getMyCustomerProfile().getStatus()).isEqualTo(Customer.StatusEnum.ACTIVE);

        buyer.orders().cancelOrder(order.getId(), new StatusChangeReason().reason("changed my mind"));
        Customer erased = me.eraseMyCustomerData(new CustomerConfirmation().version(1L));

        assertThat(erased.getStatus()).isEqualTo(Customer.StatusEnum.ERASED);
        Order kept = server.client().orders().getOrder(order.getId());
        assertThat(kept.getTotal()).isEqualTo(order.getTotal());
        assertThat(kept.getShippingAddress().getCountry()).isEqualTo(address.getCountry());
        for (String personal : List.of(address.getName(), address.getLine1(), address.getPostalCode(), address.getPhone())) {
            assertThat(kept.getShippingAddress().toString()).doesNotContain(personal);
        }
    }
}
