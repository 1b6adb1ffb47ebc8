package dev.marketplace.server.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.Webhooks;
import dev.marketplace.sdk.model.Adjustment;
import dev.marketplace.sdk.model.AdjustmentCreate;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.Location;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.MerchantStatusChange;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Payout;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The events the catalog, inventory and merchants domains publish, from the API call that causes them to a signed
 * message at the endpoints allowed to see them, through the server's own subscriber and delivery worker.
 */
class PublishedEventsIT {

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("webhooks.require-https", "false")
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32");

    private static WireMockServer receiver;

    @BeforeAll
    static void startReceiver() {
        receiver = LoopbackWireMock.started();
        receiver.stubFor(post(urlEqualTo("/operator")).willReturn(aResponse().withStatus(200)));
        receiver.stubFor(post(urlEqualTo("/kyoto")).willReturn(aResponse().withStatus(200)));
        receiver.stubFor(post(urlEqualTo("/uji")).willReturn(aResponse().withStatus(200)));
        receiver.stubFor(post(urlEqualTo("/nara")).willReturn(aResponse().withStatus(200)));
        receiver.stubFor(post(urlEqualTo("/uji-payouts")).willReturn(aResponse().withStatus(200)));
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop();
    }

    @Test
    void moderationLowStockAndStatusChangesReachTheirMerchantAndTheOperatorOnly() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        Category tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000));
        ActiveMerchant kyoto = catalog.activeMerchant("Kyoto Tea Co., Ltd.", tea.getId());
        ActiveMerchant uji = catalog.activeMerchant("Uji Gardens KK", tea.getId());
        server.catchUp(WebhooksModule.FAN_OUT); // the applications, all of them, before any endpoint
        String operatorSecret = endpoint(server.operatorToken(), "/operator", "*");
        String kyotoSecret = endpoint(merchantToken(kyoto.id()), "/kyoto", "product.*", "stock.low",
                "merchant.status_changed");
        endpoint(merchantToken(uji.id()), "/uji", "*");

        Product published = catalog.published(kyoto, TestCatalog.product(tea.getId(), "Sencha", "SEN-1", 1200, "JPY"));
        Product draft = kyoto.client().products().createProduct(TestCatalog.product(tea.getId(), "業界最安値の玉露",
                "GYO-1", 3000, "JPY"));
        Product rejected = kyoto.client().products().submitProduct(draft.getId(),
                new ProductStatusChange().version(draft.getVersion()));
        Location warehouse = kyoto.client().inventory().createLocation(new LocationCreate().code("WH").name("Warehouse"));
        UUID variant = published.getVariants().getFirst().getId();
        kyoto.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate().variantId(variant)
                .locationId(warehouse.getId()).onHand(10L).sourceSequence(1L).lowStockThreshold(5L))));
        kyoto.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate().variantId(variant)
                .locationId(warehouse.getId()).adjustBy(-7L))));
        server.client().merchants().suspendMerchant(kyoto.id(),
                new MerchantStatusChange().reason("Fees overdue").version(kyoto.merchant().getVersion()));

        Await.until(Duration.ofSeconds(60), "kyoto's four events arrive", () -> distinctIds("/kyoto") >= 4);
        Await.until(Duration.ofSeconds(60), "the operator's four arrive", () -> distinctIds("/operator") >= 4);
        Map<String, JsonObject> kyotoMessages = messages("/kyoto", kyotoSecret);
        assertThat(kyotoMessages.keySet()).containsExactlyInAnyOrder("product.published", "product.rejected",
                "stock.low", "merchant.status_changed");
        assertThat(kyotoMessages.get("product.published").getJsonObject("data").getString("productId"))
                .isEqualTo(published.getId().toString());
        assertThat(kyotoMessages.get("product.rejected").getJsonObject("data").getString("productId"))
                .isEqualTo(rejected.getId().toString());
        assertThat(kyotoMessages.get("stock.low").getJsonObject("data").getInt("available")).isEqualTo(3);
        assertThat(kyotoMessages.get("stock.low").getJsonObject("data").getInt("threshold")).isEqualTo(5);
        JsonObject suspended = kyotoMessages.get("merchant.status_changed").getJsonObject("data");
        assertThat(suspended.getString("fromStatus")).isEqualTo("active");
        assertThat(suspended.getString("toStatus")).isEqualTo("suspended");
        assertThat(kyotoMessages.values()).allSatisfy(m -> assertThat(m.getJsonObject("data").getString("merchantId"))
                .isEqualTo(kyoto.id().toString()));
        assertThat(messages("/operator", operatorSecret).keySet()).containsExactlyInAnyOrderElementsOf(kyotoMessages.keySet());
        assertThat(received("/uji")).as("another merchant's events never reach uji").isEmpty();
    }

    @Test
    void anAdjustmentAndThePayoutItMakesReachTheirMerchantWithTheirIds() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        Category tea = server.client().categories().createCategory(
                new CategoryCreate().name("Matcha").commissionRateBasisPoints(1000));
        ActiveMerchant nara = catalog.activeMerchant("Nara Matcha KK", tea.getId());
        ActiveMerchant uji = catalog.activeMerchant("Uji Matcha KK", tea.getId());
        String naraSecret = endpoint(merchantToken(nara.id()), "/nara", "payout.*", "ledger.adjustment");
        endpoint(merchantToken(uji.id()), "/uji-payouts", "payout.*", "ledger.adjustment");

        Adjustment goodwill = server.client().settlement().createAdjustment(new AdjustmentCreate().merchantId(nara.id())
                .direction(AdjustmentCreate.DirectionEnum.CREDIT).amount(new Money().amount(5_000L).currency("JPY"))
                .reason("Goodwill: a carrier lost a parcel"));
        server.catchUp(SettlementModule.LEDGER_POSTING); // an adjustment is not held: the payout run pays it at once
        server.runJob(SettlementModule.PAYOUT_RUN);
        server.catchUp(SettlementModule.LEDGER_POSTING);

        Await.until(Duration.ofSeconds(60), "nara's adjustment and payout arrive", () -> distinctIds("/nara") >= 3);
        Map<String, JsonObject> messages = messages("/nara", naraSecret);
        assertThat(messages.keySet()).containsExactlyInAnyOrder("ledger.adjustment", "payout.initiated", "payout.paid");
        JsonObject adjustment = messages.get("ledger.adjustment").getJsonObject("data");
        assertThat(adjustment.getString("adjustmentId")).isEqualTo(goodwill.getId().toString());
        assertThat(adjustment.getJsonObject("amount").getInt("amount")).isEqualTo(5_000);
        Payout payout = server.client().settlement().getPayout(UUID.fromString(
                messages.get("payout.paid").getJsonObject("data").getString("payoutId")));
        assertThat(payout.getMerchantId()).isEqualTo(nara.id());
        assertThat(payout.getAmount().getAmount()).isEqualTo(5_000L);
        assertThat(messages.get("payout.initiated").getJsonObject("data").getString("payoutId"))
                .isEqualTo(payout.getId().toString());
        assertThat(received("/uji-payouts")).as("another merchant's payouts never reach uji").isEmpty();
    }

    /** Messages, not attempts: a message may arrive more than once (at least once). */
    private static long distinctIds(String path) {
        return received(path).stream().map(request -> request.getHeader("webhook-id")).distinct().count();
    }

    private static List<LoggedRequest> received(String path) {
        return receiver.findAll(postRequestedFor(urlEqualTo(path)));
    }

    /** The path's messages by type (repeats of a message folded), each verified with the SDK's helper. */
    private static Map<String, JsonObject> messages(String path, String secret) {
        return received(path).stream().map(request -> {
            Map<String, List<String>> headers = request.getHeaders().all().stream()
                    .collect(Collectors.toMap(HttpHeader::key, HttpHeader::values, (x, y) -> x));
            Webhooks.verify(request.getBodyAsString(), headers, secret);
            return json(request.getBodyAsString());
        }).collect(Collectors.toMap(m -> m.getString("type"), m -> m, (first, again) -> {
            // At least once: a retry after a lost or late answer repeats the same message.
            assertThat(again.getString("id")).as("one event per type").isEqualTo(first.getString("id"));
            return first;
        }));
    }

    private static String merchantToken(UUID merchant) {
        HttpResponse<String> client = server.send(server.request("/v1/clients")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.createObjectBuilder().add("name", "erp")
                        .add("principalType", "merchant").add("principalId", merchant.toString())
                        .add("scopes", Json.createArrayBuilder().add("webhooks:read").add("webhooks:write"))
                        .build().toString())).build());
        assertThat(client.statusCode()).as(client.body()).isEqualTo(201);
        JsonObject created = json(client.body());
        return server.token(created.getJsonObject("client").getString("clientId"), created.getString("clientSecret"));
    }

    private static String endpoint(String token, String path, String... topics) {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.uri(WebhookEndpointHttpService.PATH))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.createObjectBuilder()
                        .add("url", "http://127.0.0.1:" + receiver.port() + path)
                        .add("topics", Json.createArrayBuilder(List.of(topics))).build().toString())).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response.body()).getString("secret");
    }

    private static JsonObject json(String body) {
        return Json.createReader(new StringReader(body)).readObject();
    }
}
