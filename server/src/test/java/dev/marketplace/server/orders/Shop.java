package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.CommunicationException;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.ServerException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductCreate;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sets the scene for order tests through the SDK: a category, active merchants selling published products with
 * stock, and a storefront whose tokens act for customers (forged as the server would issue them).
 */
final class Shop {

    /** A published variant of a merchant, with its stock at the merchant's one warehouse. */
    record Item(ActiveMerchant merchant, UUID variantId, UUID productId, UUID locationId, long price) {
    }

    private final TestServer server;
    private final TestCatalog catalog;
    private final UUID category;
    final UUID storefrontId;
    private final String storefrontClientId;
    /** The storefront on its own (anonymous shoppers). */
    final MarketplaceClient storefront;

    Shop(TestServer server, int commissionBasisPoints) throws Exception {
        this.server = server;
        this.catalog = new TestCatalog(server);
        this.category = server.client().categories().createCategory(new CategoryCreate()
                .name("Food " + UUID.randomUUID()).commissionRateBasisPoints(commissionBasisPoints)).getId();
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.CATALOG_READ, Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE)));
        this.storefrontId = credentials.getClient().getPrincipalId();
        this.storefrontClientId = credentials.getClient().getClientId();
        this.storefront = server.clientWithToken(server.token(storefrontClientId, credentials.getClientSecret()));
    }

    ActiveMerchant merchant(String name) throws Exception {
        return catalog.activeMerchant(name, category);
    }

    /** A published product of {@code merchant} with {@code stock} units at a new warehouse; reduced tax if asked. */
    Item item(ActiveMerchant merchant, String sku, long price, long stock, boolean reducedTax) throws Exception {
        ProductCreate create = TestCatalog.product(category, "Item " + sku, sku, price, "JPY");
        if (reducedTax) {
            create.attributes(Map.of("taxClass", "reduced"));
        }
        Product product = catalog.published(merchant, create);
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = merchant.client().inventory().createLocation(
                new LocationCreate().code("WH-" + sku).name("Warehouse " + sku)).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(stock).sourceSequence(1L))));
        return new Item(merchant, variant, product.getId(), location, price);
    }

    StockLevel stock(Item item) throws Exception {
        return item.merchant().client().inventory().listStock(
                ListStockParams.builder().variantId(item.variantId()).locationId(item.locationId()).build())
                .getItems().getFirst();
    }

    /** The storefront acting for {@code customerId}, with the customer's consent. */
    MarketplaceClient customer(UUID customerId) {
        return server.clientWithToken(customerToken(customerId));
    }

    String customerToken(UUID customerId) {
        return customerToken(customerId, "cart:write", "orders:read", "orders:write");
    }

    /** A token of the storefront acting for {@code customerId} with the scopes the customer granted it. */
    String customerToken(UUID customerId, String... scopes) {
        ECKey key = TokenForge.activeKey(server.db());
        return TokenForge.sign(key, TokenForge.header(key).build(), TokenForge.customerClaims(storefrontClientId,
                storefrontId, customerId, scopes).build());
    }

    /** A cart of {@code customer} holding {@code quantity} of each item. */
    UUID cartWith(MarketplaceClient customer, long quantity, Item... items) throws Exception {
        UUID cart = customer.carts().createCart(Map.of()).getId();
        for (Item item : items) {
            customer.carts().setCartLine(cart, item.variantId(), new CartLineSet().quantity((int) quantity));
        }
        return cart;
    }

    /** The types of the order's money movements in the outbox, in the order they were recorded. */
    List<String> moneyEvents(UUID orderId) {
        return server.db().select(DOMAIN_EVENT.TYPE).from(DOMAIN_EVENT).where(DOMAIN_EVENT.ORDER_ID.eq(orderId))
                .and(DOMAIN_EVENT.TYPE.in(Arrays.stream(EventType.values()).filter(EventType::isMoneyMovement)
                        .map(EventType::wireName).toList()))
                .orderBy(DOMAIN_EVENT.ID).fetch(DOMAIN_EVENT.TYPE);
    }

    /**
     * Waits until every refund requested for the order has reached the provider: they are sent after the request
     * commits, by the payments domain's subscriber of {@code refund_requested} events.
     */
    void awaitRefundsSent(UUID orderId) {
        Await.until(Duration.ofSeconds(10), "the refunds of order " + orderId + " are sent", () -> server.db().fetchCount(
                PAYMENT_REFUND.join(PAYMENT).on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID)),
                PAYMENT.ORDER_ID.eq(orderId), PAYMENT_REFUND.STATUS.eq("pending"),
                PAYMENT_REFUND.PROVIDER_REFUND_ID.isNull()) == 0);
    }

    /**
     * The checkout's final answer, whatever the loaded machine does to the way there: the same request (same
     * idempotency key) is sent again while the first attempt is still in progress, or when the answer was lost
     * (a 5xx, no answer). An overloaded server can commit the order and then fail to answer (its pool timing out
     * after the commit), which releases the key: the resend is then told the cart was checked out, and the
     * customer's one order is the answer. Empty when refused with {@code refusal}, the only refusal expected.
     */
    static Optional<Order> checkoutToTheEnd(MarketplaceClient customer, OrderCreate request, String refusal) {
        RequestOptions once = RequestOptions.builder().idempotencyKey(UUID.randomUUID().toString())
                .timeout(Duration.ofMinutes(10)).build();
        AtomicReference<Optional<Order>> outcome = new AtomicReference<>();
        Await.until(Duration.ofMinutes(10), "the checkout's final answer", () -> {
            try {
                outcome.set(Optional.of(customer.orders().checkout(request, once)));
                return true;
            } catch (ConflictException e) {
                if (e.code().equals(ErrorCode.IDEMPOTENCY_REQUEST_IN_PROGRESS)) {
                    return false;
                }
                if (e.code().equals(ErrorCode.of("cart_checked_out"))) {
                    outcome.set(Optional.of(customer.orders().listOrders().getItems().getFirst()));
                    return true;
                }
                assertThat(e.code()).isEqualTo(ErrorCode.of(refusal));
                outcome.set(Optional.empty());
                return true;
            } catch (ServerException | CommunicationException e) {
                return false;
            }
        });
        return outcome.get();
    }

    /** A settlement ledger account's balance (0 before its first entry; debits positive, credits negative). */
    long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .fetchOptional(LEDGER_ACCOUNT.BALANCE).map(Number::longValue).orElse(0L);
    }

    void assertLedgerReconciled() {
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }

    static OrderCreate checkoutOf(UUID cartId) {
        return new OrderCreate().cartId(cartId).shippingAddress(address());
    }

    static ShippingAddress address() {
        return new ShippingAddress().name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo")
                .locality("Shibuya-ku").line1("1-2-3 Jingumae").phone("+81 3-1234-5678");
    }
}
