package dev.marketplace.server.partners.inventory;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.Webhooks;
import dev.marketplace.sdk.api.PartnerInventoryApi;
import dev.marketplace.sdk.api.PartnerInventoryApi.ListAssortmentSharesParams;
import dev.marketplace.sdk.api.PartnerInventoryApi.ListPartnerOptInsParams;
import dev.marketplace.sdk.api.PartnersApi;
import dev.marketplace.sdk.model.AssortmentShare;
import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Lease;
import dev.marketplace.sdk.model.LeaseCommit;
import dev.marketplace.sdk.model.LeaseCreate;
import dev.marketplace.sdk.model.LeaseLimitsSet;
import dev.marketplace.sdk.model.LeaseLineInput;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.PartnerCreate;
import dev.marketplace.sdk.model.PartnerOptIn;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.PartnerStatusChange;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.webhooks.WebhookEndpointHttpService;
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
 * Partners as webhook receivers and as registered parties of the inventory exchange (decision 45): a partner hears
 * the low stock of what is shared with it and how each of its leases ended, signed with its endpoint's secret and with
 * the secret registered for it, and nothing of another partner's or an unshared merchant's; opt-ins and shares are
 * listed for each party; partner ids must name registered partners.
 */
class PartnerWebhooksIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK)
            .with("webhooks.require-https", "false")
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32");

    private static WireMockServer receiver;

    @BeforeAll
    static void startReceiver() {
        receiver = LoopbackWireMock.started();
        for (String path : List.of("/seller", "/bystander")) {
            receiver.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(200)));
        }
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop();
    }

    @Test
    void aPartnerHearsTheLowStockOfItsSharedListingsAndTheEndOfEachOfItsLeases() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID food = server.client().categories().createCategory(new CategoryCreate().name("Food " + UUID.randomUUID())
                .commissionRateBasisPoints(1000)).getId();
        ActiveMerchant teaShop = catalog.activeMerchant("Webhook Tea KK", food);
        ActiveMerchant unshared = catalog.activeMerchant("Unshared Tea KK", food);
        UUID[] tea = stocked(catalog, teaShop, food, "WTEA-1");
        UUID[] other = stocked(catalog, unshared, food, "UTEA-1");
        UUID seller = UUID.randomUUID();
        UUID bystander = UUID.randomUUID();
        String sellerToken = partnerToken(seller);
        String bystanderToken = partnerToken(bystander);
        teaShop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(seller));
        unshared.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(bystander));
        server.client().partnerInventory().createAssortmentShare(new AssortmentShareCreate()
                .partnerId(seller).merchantId(teaShop.id()));
        String sellerSecret = endpoint(sellerToken, "/seller", "stock.low", "lease.*", "exchange.*");
        String bystanderSecret = endpoint(bystanderToken, "/bystander", "*");

        PartnerInventoryApi leases = partnerApi(sellerToken);
        Lease committed = leases.createLease(lease(tea[0], 2));
        leases.commitLease(committed.getId(), new LeaseCommit().shippingAddress(address()));
        Lease released = leases.releaseLease(leases.createLease(lease(tea[0], 1)).getId());
        Lease lapsing = leases.createLease(lease(tea[0], 1).holdSeconds(60));
        CLOCK.advance(Duration.ofSeconds(61));
        assertThat(server.runJob(LeaseService.LAPSE_JOB)).isEqualTo(1);
        // 10 on hand, 2 sold: 8 available; the merchant's ERP takes 5 more off, below its threshold of 4.
        for (ActiveMerchant merchant : List.of(teaShop, unshared)) {
            UUID[] item = merchant == teaShop ? tea : other;
            merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                    .variantId(item[0]).locationId(item[1]).adjustBy(merchant == teaShop ? -5L : -7L))));
        }

        Await.until(Duration.ofSeconds(60), "the seller's four messages arrive", () -> distinctIds("/seller") >= 4);
        Map<String, JsonObject> messages = messages("/seller", sellerSecret);
        assertThat(messages.keySet()).containsExactlyInAnyOrder("stock.low", "lease.committed", "lease.released",
                "lease.lapsed");
        assertThat(messages.get("stock.low").getJsonObject("data").getString("variantId")).isEqualTo(tea[0].toString());
        assertThat(messages.get("stock.low").getJsonObject("data").getInt("available")).isEqualTo(3);
        JsonObject commit = messages.get("lease.committed").getJsonObject("data");
        assertThat(commit.getString("leaseId")).isEqualTo(committed.getId().toString());
        assertThat(commit.getString("orderId")).isEqualTo(leases.getLease(committed.getId()).getOrder().getId().toString());
        assertThat(messages.get("lease.released").getJsonObject("data").getString("leaseId"))
                .isEqualTo(released.getId().toString());
        assertThat(messages.get("lease.lapsed").getJsonObject("data").getString("leaseId"))
                .isEqualTo(lapsing.getId().toString());
        assertThat(messages.get("lease.lapsed").getJsonObject("data").getString("ownerId")).isEqualTo(seller.toString());
        // The same messages verify with the secret the operator registered for the partner.
        assertThat(messages("/seller", TestPartners.WEBHOOK_SECRET).keySet()).isEqualTo(messages.keySet());
        assertThat(received("/bystander"))
                .as("another partner hears nothing of the seller's leases, nor of a merchant never shared with it")
                .isEmpty();
        assertThat(bystanderSecret).isNotEqualTo(sellerSecret);
    }

    @Test
    void sharesAndOptInsAreListedForEachPartyAndPartnerIdsNameRegisteredPartners() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID food = server.client().categories().createCategory(new CategoryCreate().name("Food " + UUID.randomUUID())
                .commissionRateBasisPoints(1000)).getId();
        ActiveMerchant shop = catalog.activeMerchant("Listed Tea KK", food);
        ActiveMerchant otherShop = catalog.activeMerchant("Other Listed Tea KK", food);
        UUID partner = UUID.randomUUID();
        UUID otherPartner = UUID.randomUUID();
        PartnerInventoryApi partnerApi = partnerApi(partnerToken(partner));
        PartnerInventoryApi otherPartnerApi = partnerApi(partnerToken(otherPartner));
        PartnerInventoryApi operator = server.client().partnerInventory();
        PartnerInventoryApi shopApi = shop.client().partnerInventory();
        shopApi.optInToPartner(new PartnerOptInCreate().partnerId(partner));
        otherShop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(otherPartner));
        AssortmentShare share = operator.createAssortmentShare(new AssortmentShareCreate().partnerId(partner)
                .merchantId(shop.id()).priceAdjustmentBasisPoints(-500));
        operator.createAssortmentShare(new AssortmentShareCreate().partnerId(otherPartner).categoryId(food));

        assertThat(partnerApi.listAssortmentShares().getItems()).extracting(AssortmentShare::getId)
                .containsExactly(share.getId());
        assertThat(shopApi.listAssortmentShares().getItems()).extracting(AssortmentShare::getId)
                .containsExactly(share.getId());
        assertThat(operator.listAssortmentShares(ListAssortmentSharesParams.builder().partnerId(otherPartner).build())
                .getItems()).singleElement().satisfies(s -> assertThat(s.getCategoryId()).isEqualTo(food));
        assertThat(partnerApi.listPartnerOptIns().getItems()).extracting(PartnerOptIn::getMerchantId)
                .containsExactly(shop.id());
        assertThat(shopApi.listPartnerOptIns().getItems()).extracting(PartnerOptIn::getPartnerId)
                .containsExactly(partner);
        assertThat(otherPartnerApi.listPartnerOptIns().getItems()).extracting(PartnerOptIn::getMerchantId)
                .containsExactly(otherShop.id());
        List<PartnerOptIn> all = operator.listPartnerOptIns(ListPartnerOptInsParams.builder().limit(1).build()).getItems();
        assertThat(all).hasSize(1);

        // Partner ids name registered partners: an opt-in, a share, limits and leases of an unknown one are refused.
        UUID unknown = UUID.randomUUID();
        assertStatus(() -> shopApi.optInToPartner(new PartnerOptInCreate().partnerId(unknown)), 400);
        assertStatus(() -> operator.createAssortmentShare(new AssortmentShareCreate().partnerId(unknown)
                .merchantId(shop.id())), 400);
        assertStatus(() -> operator.setLeaseLimits(unknown, new LeaseLimitsSet().maxUnitsHeld(1L).maxOpenLeases(1)), 404);
        ClientCredentials unregistered = server.client().clients().createClient(new ClientCreate().name("Unregistered")
                .principalType(PrincipalType.PARTNER).principalId(unknown)
                .scopes(List.of(Scope.PARTNER_INVENTORY_READ, Scope.LEASES_WRITE)));
        PartnerInventoryApi unregisteredApi = server.clientWithToken(server.token(
                unregistered.getClient().getClientId(), unregistered.getClientSecret())).partnerInventory();
        assertThatThrownBy(() -> unregisteredApi.createLease(lease(UUID.randomUUID(), 1)))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PARTNER_INACTIVE));
        // A suspended partner takes no new leases.
        PartnersApi registry = server.client().partners();
        registry.changePartnerStatus(partner, new PartnerStatusChange().status(PartnerStatusChange.StatusEnum.SUSPENDED)
                .version(registry.getPartner(partner).getVersion()));
        assertThatThrownBy(() -> partnerApi.createLease(lease(UUID.randomUUID(), 1)))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PARTNER_INACTIVE));
        // A registration whose webhook secret could not sign is refused.
        assertStatus(() -> registry.registerPartner(new PartnerCreate().partnerId(UUID.randomUUID()).name("Bad secret")
                .apiBaseUrl("https://partner.invalid/api").authType(PartnerCreate.AuthTypeEnum.API_KEY)
                .secret("partner-api-key").webhookSecret("whsec_not_base64_at_all!")), 400);
    }

    private static void assertStatus(Runnable call, int status) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(status));
    }

    /** A registered partner's token, with the scopes of the inventory exchange and of webhooks. */
    private static String partnerToken(UUID partner) {
        TestPartners.register(server, partner);
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Partner")
                .principalType(PrincipalType.PARTNER).principalId(partner)
                .scopes(List.of(Scope.PARTNER_INVENTORY_READ, Scope.LEASES_WRITE, Scope.CATALOG_READ,
                        Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE)));
        return server.token(credentials.getClient().getClientId(), credentials.getClientSecret());
    }

    private static PartnerInventoryApi partnerApi(String token) {
        return server.clientWithToken(token).partnerInventory();
    }

    /** A published variant with 10 on hand at a new location and a low-stock threshold of 4: {variant, location}. */
    private static UUID[] stocked(TestCatalog catalog, ActiveMerchant merchant, UUID category, String sku) throws Exception {
        Product product = catalog.published(merchant, TestCatalog.product(category, "Item " + sku, sku, 1000, "JPY"));
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = merchant.client().inventory().createLocation(
                new LocationCreate().code("WH-" + sku).name("Warehouse " + sku)).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(10L).sourceSequence(1L).lowStockThreshold(4L))));
        return new UUID[] {variant, location};
    }

    private static LeaseCreate lease(UUID variant, long quantity) {
        return new LeaseCreate().lines(List.of(new LeaseLineInput().variantId(variant).quantity(quantity)));
    }

    private static String endpoint(String partnerToken, String path, String... topics) {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.uri(WebhookEndpointHttpService.PATH))
                .header("Authorization", "Bearer " + partnerToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.createObjectBuilder()
                        .add("url", "http://127.0.0.1:" + receiver.port() + path)
                        .add("topics", Json.createArrayBuilder(List.of(topics))).build().toString())).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response.body()).getString("secret");
    }

    private static long distinctIds(String path) {
        return received(path).stream().map(request -> request.getHeader("webhook-id")).distinct().count();
    }

    private static List<LoggedRequest> received(String path) {
        return receiver.findAll(postRequestedFor(urlEqualTo(path)));
    }

    /** The path's messages by type (repeats folded), each verified with the SDK's helper and this secret. */
    private static Map<String, JsonObject> messages(String path, String secret) {
        return received(path).stream().map(request -> {
            Map<String, List<String>> headers = request.getHeaders().all().stream()
                    .collect(Collectors.toMap(HttpHeader::key, HttpHeader::values, (x, y) -> x));
            Webhooks.verify(request.getBodyAsString(), headers, secret);
            return json(request.getBodyAsString());
        }).collect(Collectors.toMap(m -> m.getString("type"), m -> m, (first, again) -> first));
    }

    private static ShippingAddress address() {
        return new ShippingAddress().name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo")
                .locality("Shibuya-ku").line1("1-2-3 Jingumae").phone("+81 3-1234-5678");
    }

    private static JsonObject json(String body) {
        return Json.createReader(new StringReader(body)).readObject();
    }
}
