package dev.marketplace.server.dropship;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.DropshipApi;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipConnectionCreate;
import dev.marketplace.sdk.model.DropshipConnectorKind;
import dev.marketplace.sdk.model.DropshipForward;
import dev.marketplace.sdk.model.DropshipForwardStatus;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipImportResult;
import dev.marketplace.sdk.model.DropshipPricingRule;
import dev.marketplace.sdk.model.DropshipSyncRun;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The REST (CJ Dropshipping style) and feed connectors against WireMock (issue 18): paged stock read across a token
 * refused mid-sync, 5xx, timeouts, 429 with Retry-After, malformed and partial pages, a feed unchanged (304), an order
 * whose first answer is lost, a refusal, and tracking events duplicated and out of order. Each case ends with the
 * stock it should have, no second supplier order, and a state that says what happened.
 */
class RestSupplierIT {

    /** The REST suppliers' tracking-webhook secret (decision 56). */
    private static final String WEBHOOK_SECRET = "whsec_c3VwcGxpZXItd2ViaG9vay1zZWNyZXQtMDE=";

    private static final WireMockServer supplier = LoopbackWireMock.started();

    @RegisterExtension
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0")
            .with("dropship.jobs.sweep", "PT1H") // the test runs the jobs itself
            .with("dropship.require-https", "false")
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32")
            .with("outbound.defaults.timeout", "PT0.5S")
            .with("outbound.defaults.initial-backoff", "PT0.001S")
            .with("outbound.defaults.max-backoff", "PT0.002S")
            .with("outbound.defaults.max-retry-after", "PT1S")
            .with("dropship.webhooks.rest.secret", WEBHOOK_SECRET);

    @AfterAll
    static void stop() {
        supplier.stop();
    }

    @BeforeEach
    void reset() {
        supplier.resetAll();
        supplier.stubFor(post(urlPathEqualTo("/api/v1/authentication/getAccessToken"))
                .willReturn(okJson(token("tok-1", "ref-1"))));
        supplier.stubFor(post(urlPathEqualTo("/api/v1/authentication/refreshAccessToken"))
                .willReturn(okJson(token("tok-2", "ref-2"))));
        supplier.stubFor(get(urlPathEqualTo("/api/v1/product/list")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"pageNum": 1, "pageSize": 200, "total": 2, "list": [
                  {"pid": "P1", "productNameEn": "Linen apron", "categoryName": "Kitchen", "description": "An apron.",
                   "productImage": "https://img.example.com/p1.jpg",
                   "variants": [{"vid": "V1", "variantSku": "CJ-S1", "variantKey": "red", "variantSellPrice": 1000},
                                {"vid": "V2", "variantSku": "CJ-S2", "variantKey": "blue", "variantSellPrice": 1000}]},
                  {"pid": "P2", "productNameEn": "Oak spoon", "categoryName": "Kitchen",
                   "variants": [{"vid": "V3", "variantSku": "CJ-S3", "variantSellPrice": 400}]},
                  {"pid": "P3", "productNameEn": "unreadable: no variants"}]}}""")));
    }

    private static String token(String access, String refresh) {
        return """
                {"code": 200, "result": true, "data": {"accessToken": "%s", "accessTokenExpiryDate": "2099-01-01T00:00:00Z",
                 "refreshToken": "%s"}}""".formatted(access, refresh);
    }

    @Test
    void aSyncReadsEveryPageAcrossATokenRefusedMidSync() throws Exception {
        Setup setup = connectAndImport();
        List<String> firstPage = new ArrayList<>(List.of(stockItem("CJ-S1", 1000, 3, 2), stockItem("CJ-S2", 1000, 0),
                stockItem("CJ-S3", 400, 10)));
        for (int i = 0; i < 197; i++) {
            firstPage.add(stockItem("OTHER-" + i, 100, 1));
        }
        stubStock(1, "tok-1", stockPage(201, firstPage));
        supplier.stubFor(get(urlPathEqualTo("/api/v1/product/stock")).withQueryParam("pageNum", equalTo("2"))
                .withHeader("CJ-Access-Token", equalTo("tok-1")).willReturn(aResponse().withStatus(401)));
        stubStock(2, "tok-2", stockPage(201, List.of(stockItem("OTHER-197", 100, 1))));

        DropshipSyncRun run = setup.dropship.syncDropshipConnection(setup.connection.getId());

        assertThat(run.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(run.getItems()).isEqualTo(201);
        assertThat(run.getChanges()).as("S1 and S3; S2 stays at nothing").isEqualTo(2);
        assertThat(available(setup, "CJ-S1")).as("3 + 2 over two warehouses").isEqualTo(5);
        assertThat(available(setup, "CJ-S3")).isEqualTo(10);
        supplier.verify(1, postRequestedFor(urlPathEqualTo("/api/v1/authentication/refreshAccessToken")));
    }

    @Test
    void aFailedReadChangesNoStockAndSaysWhy() throws Exception {
        Setup setup = connectAndImport();
        stubStock(1, "tok-1", stockPage(3, List.of(stockItem("CJ-S1", 1000, 5), stockItem("CJ-S2", 1000, 1),
                stockItem("CJ-S3", 400, 2))));
        DropshipSyncRun good = setup.dropship.syncDropshipConnection(setup.connection.getId());
        assertThat(good.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        var freshAt = setup.dropship.getDropshipConnection(setup.connection.getId()).getLastSuccessfulSyncAt();

        List<Runnable> failures = List.of(
                () -> stubStock(1, "tok-1", aResponse().withStatus(503)),
                () -> stubStock(1, "tok-1", aResponse().withStatus(200).withFixedDelay(1_000).withBody("{}")),
                () -> stubStock(1, "tok-1", aResponse().withStatus(429).withHeader("Retry-After", "1")),
                () -> stubStock(1, "tok-1", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"code\": 200, \"result\": true, \"data\": {\"list\": [")),
                () -> stubStock(1, "tok-1", stockPage(450, List.of(stockItem("CJ-S1", 1000, 0)))));
        for (Runnable failure : failures) {
            failure.run();
            DropshipSyncRun run = setup.dropship.syncDropshipConnection(setup.connection.getId());
            assertThat(run.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.FAILED);
            assertThat(run.getError()).isNotBlank();
            assertThat(available(setup, "CJ-S1")).as("unchanged after " + run.getError()).isEqualTo(5);
        }
        assertThat(setup.dropship.getDropshipConnection(setup.connection.getId()).getLastSuccessfulSyncAt())
                .isEqualTo(freshAt);

        // A quota answered once with 429 and Retry-After is waited out within the same sync.
        supplier.stubFor(get(urlPathEqualTo("/api/v1/product/stock")).inScenario("quota")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("waited")
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")));
        supplier.stubFor(get(urlPathEqualTo("/api/v1/product/stock")).inScenario("quota").whenScenarioStateIs("waited")
                .willReturn(stockPage(3, List.of(stockItem("CJ-S1", 1000, 7), stockItem("CJ-S2", 1000, 1),
                        stockItem("CJ-S3", 400, 2)))));
        assertThat(setup.dropship.syncDropshipConnection(setup.connection.getId()).getOutcome())
                .isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(available(setup, "CJ-S1")).isEqualTo(7);
        assertThat(setup.dropship.listDropshipSyncRuns(setup.connection.getId()).getItems()).hasSize(7);
    }

    @Test
    void aLineIsForwardedOnceThoughItsFirstAnswerIsLostAndTrackingArrivesOutOfOrder() throws Exception {
        Setup setup = connectImportAndSync();
        supplier.stubFor(post(urlPathEqualTo("/api/v1/shopping/order/createOrder")).inScenario("lost")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("answered")
                .willReturn(okJson(created("CJ-ORDER-1")).withFixedDelay(1_000)));
        supplier.stubFor(post(urlPathEqualTo("/api/v1/shopping/order/createOrder")).inScenario("lost")
                .whenScenarioStateIs("answered").willReturn(okJson(created("CJ-ORDER-1"))));

        UUID subOrder = sell(setup, "CJ-S1");
        server.catchUp(DropshipForwardingModule.FORWARD_INTENTS);
        server.runJob(ForwardingService.FORWARDING_JOB);
        server.runJob(ForwardingService.FORWARDING_JOB);

        DropshipForward forward = setup.dropship.listDropshipForwards(DropshipApi.ListDropshipForwardsParams.builder()
                .subOrderId(subOrder).build()).getItems().getFirst();
        assertThat(forward.getStatus()).isEqualTo(DropshipForwardStatus.FORWARDED_TO_SUPPLIER);
        assertThat(forward.getSupplierOrderRef()).isEqualTo("CJ-ORDER-1");
        var sent = supplier.findAll(postRequestedFor(urlPathEqualTo("/api/v1/shopping/order/createOrder")));
        assertThat(sent).as("the lost answer's retry").hasSize(2);
        assertThat(sent).allSatisfy(request -> {
            assertThat(request.getHeader("Idempotency-Key")).isEqualTo(subOrder + ":0");
            assertThat(request.getBodyAsString()).contains("\"orderNumber\":\"" + subOrder + ":0\"");
        });

        // Delivered before we ever saw it shipped, then an older "shipped" and the same "delivered" again.
        stubStatus("DELIVERED");
        server.runJob(ForwardingService.TRACKING_JOB);
        assertThat(setup.merchant.client().fulfilment().getSubOrder(subOrder).getStatus())
                .isEqualTo(SubOrderStatus.DELIVERED);
        assertThat(setup.dropship.getDropshipForward(forward.getId()).getStatus()).isEqualTo(DropshipForwardStatus.DELIVERED);
        stubStatus("SHIPPED");
        server.runJob(ForwardingService.TRACKING_JOB);
        stubStatus("DELIVERED");
        server.runJob(ForwardingService.TRACKING_JOB);
        assertThat(setup.merchant.client().fulfilment().getSubOrder(subOrder).getShipments()).hasSize(1);
        assertThat(setup.dropship.getDropshipForward(forward.getId()).getTrackingNumber()).isEqualTo("YT123");
        assertThat(supplier.findAll(postRequestedFor(urlPathEqualTo("/api/v1/shopping/order/createOrder")))).hasSize(2);
    }

    @Test
    void theSuppliersSignedTrackingWebhookShipsAndDeliversOnceAndRefusesForgedOrStaleEvents() throws Exception {
        Setup setup = connectImportAndSync();
        supplier.stubFor(post(urlPathEqualTo("/api/v1/shopping/order/createOrder")).willReturn(okJson(created("CJ-HOOK-1"))));
        UUID subOrder = sell(setup, "CJ-S2");
        server.catchUp(DropshipForwardingModule.FORWARD_INTENTS);
        server.runJob(ForwardingService.FORWARDING_JOB);
        UUID connection = setup.connection.getId();
        String shipped = "{\"supplierOrderRef\": \"CJ-HOOK-1\", \"status\": \"shipped\", \"trackingNumber\": \"YT-HOOK\"}";
        String delivered = shipped.replace("\"shipped\"", "\"delivered\"");

        // Forged, stale, and for an order the supplier never had: refused, nothing recorded.
        StandardWebhooks forger = new StandardWebhooks("whsec_Zm9yZ2VkLWZvcmdlZC1mb3JnZWQtMDE=", Duration.ofMinutes(5));
        assertThat(supplierEvent(connection, forger, "msg-forged", Instant.now(), shipped).statusCode()).isEqualTo(400);
        StandardWebhooks signer = new StandardWebhooks(WEBHOOK_SECRET, Duration.ofMinutes(5));
        assertThat(supplierEvent(connection, signer, "msg-old", Instant.now().minus(Duration.ofMinutes(10)), shipped)
                .statusCode()).as("a replay of an old message").isEqualTo(400);
        assertThat(supplierEvent(connection, signer, "msg-unknown", Instant.now(),
                shipped.replace("CJ-HOOK-1", "CJ-NOPE")).statusCode()).isEqualTo(404);
        assertThat(supplierEvent(UUID.randomUUID(), signer, "msg-nowhere", Instant.now(), shipped).statusCode())
                .isEqualTo(404);
        assertThat(setup.merchant.client().fulfilment().getSubOrder(subOrder).getShipments()).isEmpty();

        // Shipped, the same message again, delivered, then an older "shipped": one shipment, delivered, never back.
        assertThat(supplierEvent(connection, signer, "msg-1", Instant.now(), shipped).statusCode()).isEqualTo(204);
        assertThat(supplierEvent(connection, signer, "msg-1", Instant.now(), shipped).statusCode()).isEqualTo(204);
        assertThat(setup.merchant.client().fulfilment().getSubOrder(subOrder).getShipments()).singleElement()
                .satisfies(s -> assertThat(s.getTrackingNumber()).isEqualTo("YT-HOOK"));
        assertThat(supplierEvent(connection, signer, "msg-2", Instant.now(), delivered).statusCode()).isEqualTo(204);
        assertThat(supplierEvent(connection, signer, "msg-3", Instant.now(), shipped).statusCode()).isEqualTo(204);
        assertThat(setup.merchant.client().fulfilment().getSubOrder(subOrder).getStatus())
                .isEqualTo(SubOrderStatus.DELIVERED);
        assertThat(setup.merchant.client().fulfilment().getSubOrder(subOrder).getShipments()).hasSize(1);
        DropshipForward forward = setup.dropship.listDropshipForwards(DropshipApi.ListDropshipForwardsParams.builder()
                .subOrderId(subOrder).build()).getItems().getFirst();
        assertThat(forward.getStatus()).isEqualTo(DropshipForwardStatus.DELIVERED);
        supplier.verify(0, getRequestedFor(urlPathEqualTo("/api/v1/shopping/order/getOrderDetail")));
    }

    private static java.net.http.HttpResponse<String> supplierEvent(UUID connection, StandardWebhooks signer, String id,
                                                                    Instant at, String body) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var request = server.anonymousRequest("/webhooks/suppliers/" + connection)
                .header("Content-Type", "application/json");
        signer.sign(id, at, bytes).forEach(request::header);
        return server.send(request.POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
    }

    @Test
    void aRefusedLineShowsTheSuppliersReasonAndIsRetried() throws Exception {
        Setup setup = connectImportAndSync();
        supplier.stubFor(post(urlPathEqualTo("/api/v1/shopping/order/createOrder")).willReturn(okJson("""
                {"code": 1603001, "result": false, "message": "Inventory shortage for CJ-S3"}""")));
        UUID subOrder = sell(setup, "CJ-S3");
        server.catchUp(DropshipForwardingModule.FORWARD_INTENTS);
        server.runJob(ForwardingService.FORWARDING_JOB);
        DropshipForward refused = setup.dropship.listDropshipForwards(DropshipApi.ListDropshipForwardsParams.builder()
                .subOrderId(subOrder).build()).getItems().getFirst();
        assertThat(refused.getStatus()).isEqualTo(DropshipForwardStatus.REFUSED);
        assertThat(refused.getRefusalReason()).isEqualTo("Inventory shortage for CJ-S3");

        supplier.stubFor(post(urlPathEqualTo("/api/v1/shopping/order/createOrder")).willReturn(okJson(created("CJ-ORDER-2"))));
        assertThat(setup.dropship.retryDropshipForward(refused.getId()).getStatus()).isEqualTo(DropshipForwardStatus.PENDING);
        server.runJob(ForwardingService.FORWARDING_JOB);
        assertThat(setup.dropship.getDropshipForward(refused.getId()).getSupplierOrderRef()).isEqualTo("CJ-ORDER-2");
    }

    @Test
    void aFeedIsReadConditionallyAndAnUnchangedFeedKeepsTheConnectionFresh() throws Exception {
        TestCatalog.ActiveMerchant merchant = merchant();
        DropshipApi dropship = merchant.client().dropship();
        supplier.stubFor(get(urlPathEqualTo("/feeds/stock.csv")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/csv").withHeader("ETag", "\"v1\"")
                .withBody("""
                        product_id,sku,title,category,cost,stock
                        F1,FD-1,"Bamboo tray, large",Kitchen,800,12
                        F1,FD-2,"Bamboo tray, large",Kitchen,800,4
                        F2,FD-3,Wool throw,Home,2500,-1
                        """)));
        supplier.stubFor(get(urlPathEqualTo("/feeds/stock.csv")).withHeader("If-None-Match", equalTo("\"v1\""))
                .willReturn(aResponse().withStatus(304)));
        DropshipConnection feed = dropship.createDropshipConnection(new DropshipConnectionCreate().name("Feed supplier")
                .kind(DropshipConnectorKind.FEED).baseUrl(supplier.baseUrl() + "/feeds/stock.csv").currency("JPY")
                .pricing(new DropshipPricingRule().markupBasisPoints(20_000)).defaultCategoryId(category()));
        DropshipImportResult imported = dropship.importDropshipProducts(feed.getId());
        assertThat(imported.getCreated()).as("the row with negative stock is unreadable").isEqualTo(1);

        DropshipSyncRun first = dropship.syncDropshipConnection(feed.getId());
        assertThat(first.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(first.getFailures()).isEqualTo(1);
        Setup setup = new Setup(merchant, dropship, feed);
        assertThat(available(setup, "FD-1")).isEqualTo(12);

        DropshipSyncRun second = dropship.syncDropshipConnection(feed.getId());
        assertThat(second.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.UNCHANGED);
        assertThat(available(setup, "FD-1")).isEqualTo(12);
        assertThat(dropship.getDropshipConnection(feed.getId()).getLastSuccessfulSyncAt())
                .isAfter(first.getStartedAt());
        supplier.verify(1, getRequestedFor(urlPathEqualTo("/feeds/stock.csv")).withHeader("If-None-Match", equalTo("\"v1\"")));
    }

    // --- the scene

    private record Setup(TestCatalog.ActiveMerchant merchant, DropshipApi dropship, DropshipConnection connection) {
    }

    private static UUID category;

    private static UUID category() throws Exception {
        if (category == null) {
            category = server.client().categories().createCategory(new CategoryCreate()
                    .name("Kitchen").commissionRateBasisPoints(1000)).getId();
        }
        return category;
    }

    private static TestCatalog.ActiveMerchant merchant() throws Exception {
        return new TestCatalog(server).activeMerchant("Supplier Goods KK", category());
    }

    private static Setup connectAndImport() throws Exception {
        TestCatalog.ActiveMerchant merchant = merchant();
        DropshipApi dropship = merchant.client().dropship();
        DropshipConnection connection = dropship.createDropshipConnection(new DropshipConnectionCreate()
                .name("CJ").kind(DropshipConnectorKind.REST).baseUrl(supplier.baseUrl() + "/api").apiKey("cj-key")
                .currency("JPY").pricing(new DropshipPricingRule().markupBasisPoints(15_000))
                .forwarding(DropshipForwarding.AUTOMATIC).defaultCategoryId(category()));
        DropshipImportResult imported = dropship.importDropshipProducts(connection.getId());
        assertThat(imported.getCreated()).isEqualTo(2);
        assertThat(imported.getRejected()).as("P3 has no variants").isEqualTo(0);
        return new Setup(merchant, dropship, connection);
    }

    /** {@link #connectAndImport}, then one sync giving each of the three variants 5 units. */
    private static Setup connectImportAndSync() throws Exception {
        Setup setup = connectAndImport();
        stubStock(1, "tok-1", stockPage(3, List.of(stockItem("CJ-S1", 1000, 5), stockItem("CJ-S2", 1000, 5),
                stockItem("CJ-S3", 400, 5))));
        setup.dropship.syncDropshipConnection(setup.connection.getId());
        return setup;
    }

    private static long available(Setup setup, String sku) throws Exception {
        UUID variant = variantOf(setup, sku);
        var levels = setup.merchant.client().inventory().listStock(InventoryApi.ListStockParams.builder()
                .variantId(variant).locationId(setup.connection.getLocationId()).build()).getItems();
        return levels.isEmpty() ? 0 : levels.getFirst().getAvailable();
    }

    private static UUID variantOf(Setup setup, String sku) throws Exception {
        return setup.merchant.client().products().listProducts().getItems().stream()
                .flatMap(p -> p.getVariants().stream()).filter(v -> v.getSku().equals(sku)).findFirst().orElseThrow()
                .getId();
    }

    /** Publishes the product of {@code sku} and has a customer buy and pay one unit; the sub-order's id. */
    private static UUID sell(Setup setup, String sku) throws Exception {
        UUID variant = variantOf(setup, sku);
        Product product = setup.merchant.client().products().listProducts().getItems().stream()
                .filter(p -> p.getVariants().stream().anyMatch(v -> v.getId().equals(variant))).findFirst().orElseThrow();
        if (product.getStatus() != dev.marketplace.sdk.model.ProductStatus.PUBLISHED) {
            Product pending = setup.merchant.client().products().submitProduct(product.getId(),
                    new ProductStatusChange().version(product.getVersion()));
            server.client().products().approveProduct(pending.getId(), new ProductStatusChange().version(pending.getVersion()));
        }
        MarketplaceClient customer = customer();
        UUID cart = customer.carts().createCart(Map.of()).getId();
        customer.carts().setCartLine(cart, variant, new CartLineSet().quantity(1));
        Order order = customer.orders().checkout(new OrderCreate().cartId(cart).shippingAddress(new ShippingAddress()
                .name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo").locality("Shibuya-ku")
                .line1("1-2-3 Jingumae").phone("+81 3-1234-5678")));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return order.getSubOrders().getFirst().getId();
    }

    private static MarketplaceClient customer() throws Exception {
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.CATALOG_READ, Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE)));
        UUID storefrontId = credentials.getClient().getPrincipalId();
        ECKey key = TokenForge.activeKey(server.db());
        return server.clientWithToken(TokenForge.sign(key, TokenForge.header(key).build(), TokenForge.customerClaims(
                credentials.getClient().getClientId(), storefrontId, UUID.randomUUID(), "cart:write", "orders:read",
                "orders:write").build()));
    }

    private static void stubStock(int page, String token, com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        supplier.stubFor(get(urlPathEqualTo("/api/v1/product/stock")).withQueryParam("pageNum", equalTo(Integer.toString(page)))
                .withHeader("CJ-Access-Token", equalTo(token)).willReturn(answer));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder stockPage(int total, List<String> items) {
        return okJson("""
                {"code": 200, "result": true, "data": {"total": %d, "serverTime": "2026-12-05T10:00:00Z", "list": [%s]}}"""
                .formatted(total, String.join(",", items)));
    }

    private static String stockItem(String sku, long price, long... perWarehouse) {
        List<String> warehouses = new ArrayList<>();
        for (int i = 0; i < perWarehouse.length; i++) {
            warehouses.add("{\"countryCode\": \"" + (i == 0 ? "CN" : "US") + "\", \"storageNum\": " + perWarehouse[i] + "}");
        }
        return "{\"variantSku\": \"" + sku + "\", \"sellPrice\": " + price + ", \"warehouses\": [" + String.join(",", warehouses) + "]}";
    }

    private static String created(String orderId) {
        return "{\"code\": 200, \"result\": true, \"data\": {\"orderId\": \"" + orderId + "\"}}";
    }

    private static void stubStatus(String status) {
        supplier.stubFor(get(urlPathEqualTo("/api/v1/shopping/order/getOrderDetail")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"orderId": "x", "orderStatus": "%s", "logisticName": "YunExpress",
                 "trackNumber": "YT123"}}""".formatted(status))));
    }
}
