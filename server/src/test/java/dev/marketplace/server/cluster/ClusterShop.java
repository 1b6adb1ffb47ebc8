package dev.marketplace.server.cluster;

import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantAddress;
import dev.marketplace.sdk.model.MerchantApplication;
import dev.marketplace.sdk.model.MerchantApproval;
import dev.marketplace.sdk.model.MerchantApproved;
import dev.marketplace.sdk.model.MerchantContact;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.StorefrontCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.ClusterNodes;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TokenForge;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;

/** The scene of the cluster tests, set through the round-robin client: merchants, items with stock, customers. */
final class ClusterShop {

    /** An approved merchant: its id, its client id and secret, an SDK client over the cluster. */
    record Seller(UUID id, String clientId, String secret, MarketplaceClient client) {
    }

    /** A published variant with stock at its merchant's warehouse. */
    record Item(Seller seller, UUID productId, UUID variantId, UUID locationId, long price) {
    }

    private final ClusterNodes cluster;
    private final DSLContext db;
    private final MarketplaceClient operator;
    private final UUID category;
    private final UUID storefrontId;
    private final String storefrontClientId;
    private final String storefrontSecret;
    private final AtomicLong sourceSequence = new AtomicLong(1);

    ClusterShop(ClusterNodes cluster, DSLContext db) throws Exception {
        this.cluster = cluster;
        this.db = db;
        this.operator = cluster.operator();
        this.category = operator.categories().createCategory(new CategoryCreate().name("Cluster " + UUID.randomUUID())
                .commissionRateBasisPoints(1000)).getId();
        this.storefrontId = operator.clients().registerStorefront(new StorefrontCreate().name("Cluster shop")).getId();
        ClientCredentials storefront = operator.clients().createClient(new ClientCreate().name("Storefront")
                .principalType(PrincipalType.STOREFRONT).principalId(storefrontId)
                .scopes(List.of(Scope.CATALOG_READ, Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE)));
        this.storefrontClientId = storefront.getClient().getClientId();
        this.storefrontSecret = storefront.getClientSecret();
    }

    MarketplaceClient operator() {
        return operator;
    }

    Seller seller(String name) throws Exception {
        Merchant applied = operator.merchants().applyMerchant(new MerchantApplication().legalName(name)
                .contact(new MerchantContact().name("Yamada Hanako").email("hanako@example.jp").phone("+81 75-123-4567"))
                .address(new MerchantAddress().country("JP").postalCode("600-8001").region("Kyoto")
                        .locality("Shimogyo-ku").line1("1-2-3 Shijo-dori"))
                .yearsInBusiness(12).categoryId(category).plan("standard")
                .deposit(new Money().amount(500_000L).currency("JPY")));
        MerchantApproved approved = operator.merchants().approveMerchant(applied.getId(),
                new MerchantApproval().version(applied.getVersion()));
        String clientId = approved.getCredentials().getClient().getClientId();
        String secret = approved.getCredentials().getClientSecret();
        return new Seller(applied.getId(), clientId, secret, cluster.withToken(cluster.token(clientId, secret)));
    }

    Item item(Seller seller, String sku, long price, long stock) throws Exception {
        Product draft = seller.client().products().createProduct(TestCatalog.product(category, "Item " + sku, sku, price, "JPY"));
        Product pending = seller.client().products().submitProduct(draft.getId(),
                new ProductStatusChange().version(draft.getVersion()));
        Product published = operator.products().approveProduct(pending.getId(),
                new ProductStatusChange().version(pending.getVersion()));
        UUID variant = published.getVariants().getFirst().getId();
        UUID location = seller.client().inventory().createLocation(
                new LocationCreate().code("WH-" + sku).name("Warehouse " + sku)).getId();
        Item item = new Item(seller, published.getId(), variant, location, price);
        setStock(item, stock);
        return item;
    }

    void setStock(Item item, long onHand) throws Exception {
        setStock(item, onHand, item.seller().client());
    }

    void setStock(Item item, long onHand, MarketplaceClient as) throws Exception {
        as.inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate().variantId(item.variantId())
                .locationId(item.locationId()).onHand(onHand).sourceSequence(sourceSequence.incrementAndGet()))));
    }

    /** The storefront acting for a new customer, over the cluster. */
    MarketplaceClient customer() {
        return cluster.withToken(customerToken(UUID.randomUUID()));
    }

    /** An operator webhook endpoint sending {@code topics} (a JSON array) to {@code url}; its id. */
    UUID operatorWebhookEndpoint(String url, String topics) {
        String operatorToken = cluster.token(dev.marketplace.server.testing.TestServer.OPERATOR_CLIENT_ID,
                dev.marketplace.server.testing.TestServer.OPERATOR_CLIENT_SECRET);
        java.net.http.HttpResponse<String> created = cluster.send(java.net.http.HttpRequest.newBuilder(
                        cluster.uri(0).resolve("/v1/webhook-endpoints"))
                .header("Authorization", "Bearer " + operatorToken).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"url\": \"" + url + "\", \"topics\": " + topics + "}")).build());
        if (created.statusCode() != 201) {
            throw new AssertionError("webhook endpoint not created: " + created.statusCode() + " " + created.body());
        }
        return UUID.fromString(ClusterIT.json(created.body()).getJsonObject("endpoint").getString("id"));
    }

    /** The storefront itself over the cluster, signing in again when its token expires (catalog:read among its scopes). */
    MarketplaceClient storefront() {
        return cluster.withCredentials(storefrontClientId, storefrontSecret);
    }

    /** The storefront's own token (client credentials: catalog:read among its scopes). */
    String storefrontToken() {
        return cluster.token(storefrontClientId, storefrontSecret);
    }

    String customerToken(UUID customerId) {
        ECKey key = TokenForge.activeKey(db);
        return TokenForge.sign(key, TokenForge.header(key).build(), TokenForge.customerClaims(storefrontClientId,
                storefrontId, customerId, "cart:write", "orders:read", "orders:write").build());
    }

    /** A cart of {@code customer} holding {@code quantity} of the item. */
    static UUID cartWith(MarketplaceClient customer, Item item, int quantity) throws Exception {
        UUID cart = customer.carts().createCart(Map.of()).getId();
        customer.carts().setCartLine(cart, item.variantId(), new CartLineSet().quantity(quantity));
        return cart;
    }

    /** {on hand, reserved} of the item's stock level, read in the database. */
    List<Long> stock(Item item) {
        var row = db.fetchOne("SELECT on_hand, reserved FROM stock_level WHERE variant_id = ? AND location_id = ?",
                item.variantId(), item.locationId());
        return List.of(row.get(0, Long.class), row.get(1, Long.class));
    }

    /**
     * The item's reserved units beside the units its placed orders from these carts hold ({@code unitsPerOrder}
     * each), read in one statement: the unpaid-order expiry job may release one between two separate reads.
     */
    List<Long> reservedBesidePlaced(Item item, List<UUID> carts, int unitsPerOrder) {
        var row = db.fetchOne("SELECT s.reserved, ? * (SELECT count(*) FROM customer_order WHERE cart_id = ANY(?) "
                + "AND status = 'placed') FROM stock_level s WHERE s.variant_id = ? AND s.location_id = ?",
                unitsPerOrder, carts.toArray(UUID[]::new), item.variantId(), item.locationId());
        return List.of(row.get(0, Long.class), row.get(1, Long.class));
    }

    long count(String sql) {
        return ((Number) db.fetchValue(sql)).longValue();
    }

    /** A count query over one id or a list of ids ({@code = ANY(?)}). */
    long count(String sql, Object ids) {
        Object parameter = ids instanceof List<?> list ? list.toArray(UUID[]::new) : ids;
        return ((Number) db.fetchValue(sql, parameter)).longValue();
    }

    static OrderCreate checkoutOf(UUID cart) {
        return new OrderCreate().cartId(cart).shippingAddress(new ShippingAddress().name("Sato Yui").country("JP")
                .postalCode("150-0001").region("Tokyo").locality("Shibuya-ku").line1("1-2-3 Jingumae")
                .phone("+81 3-1234-5678"));
    }
}
