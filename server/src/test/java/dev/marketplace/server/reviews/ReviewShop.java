package dev.marketplace.server.reviews;

import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The scene for review tests through the SDK: merchants selling published products with stock, a storefront whose
 * customer-bound tokens (forged as the server would issue them) buy, and merchants that deliver.
 */
final class ReviewShop {

    /** A published product of a merchant, with its one variant. */
    record Item(ActiveMerchant merchant, UUID productId, UUID variantId) {
    }

    private final TestServer server;
    private final TestCatalog catalog;
    private final UUID category;
    private final UUID storefrontId;
    private final String storefrontClientId;
    /** The storefront on its own, showing listings and published reviews to anyone. */
    final MarketplaceClient storefront;

    ReviewShop(TestServer server) throws Exception {
        this.server = server;
        this.catalog = new TestCatalog(server);
        this.category = server.client().categories().createCategory(new CategoryCreate()
                .name("Tea " + UUID.randomUUID()).commissionRateBasisPoints(1000)).getId();
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.CATALOG_READ, Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE,
                        Scope.REVIEWS_READ, Scope.REVIEWS_WRITE)));
        this.storefrontId = credentials.getClient().getPrincipalId();
        this.storefrontClientId = credentials.getClient().getClientId();
        this.storefront = server.clientWithToken(server.token(storefrontClientId, credentials.getClientSecret()));
    }

    ActiveMerchant merchant(String name) throws Exception {
        return catalog.activeMerchant(name, category);
    }

    Item item(ActiveMerchant merchant, String title, String sku) throws Exception {
        return item(merchant, title, sku, null);
    }

    /** An item whose product promises shipment {@code handlingDays} after payment (null: as its merchant does). */
    Item item(ActiveMerchant merchant, String title, String sku, Integer handlingDays) throws Exception {
        Product product = catalog.published(merchant, TestCatalog.product(category, title, sku, 1_500, "JPY")
                .handlingDays(handlingDays));
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = merchant.client().inventory().createLocation(
                new LocationCreate().code("WH-" + sku).name("Warehouse " + sku)).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(100L).sourceSequence(1L))));
        return new Item(merchant, product.getId(), variant);
    }

    /** The storefront acting for {@code customerId}, with its consent to buy and review. */
    MarketplaceClient customer(UUID customerId) {
        ECKey key = TokenForge.activeKey(server.db());
        return server.clientWithToken(TokenForge.sign(key, TokenForge.header(key).build(), TokenForge.customerClaims(
                storefrontClientId, storefrontId, customerId, "cart:write", "orders:read", "orders:write",
                "reviews:read", "reviews:write").build()));
    }

    /** A paid order of one unit of each item, all of one merchant: one sub-order, its lines in item order. */
    Order paidOrder(MarketplaceClient customer, Item... items) throws Exception {
        UUID cart = customer.carts().createCart(Map.of()).getId();
        for (Item item : items) {
            customer.carts().setCartLine(cart, item.variantId(), new CartLineSet().quantity(1));
        }
        Order order = customer.orders().checkout(new OrderCreate().cartId(cart).shippingAddress(new ShippingAddress()
                .name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo").locality("Shibuya-ku")
                .line1("1-2-3 Jingumae").phone("+81 3-1234-5678")));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return customer.orders().getOrder(order.getId());
    }

    /** The merchant accepts, ships and delivers the order's one sub-order; returns its id. */
    UUID delivered(Order order, ActiveMerchant merchant) {
        UUID subOrder = accepted(order, merchant);
        merchant.client().fulfilment().shipSubOrder(subOrder, new ShipmentCreate().carrier("Yamato")
                .trackingNumber("TRK-" + subOrder));
        merchant.client().fulfilment().deliverSubOrder(subOrder, new StatusChangeReason());
        return subOrder;
    }

    /** The merchant accepts the order's one sub-order; returns its id. */
    UUID accepted(Order order, ActiveMerchant merchant) {
        UUID subOrder = order.getSubOrders().getFirst().getId();
        merchant.client().fulfilment().acceptSubOrder(subOrder, new StatusChangeReason());
        return subOrder;
    }
}
