package dev.marketplace.server.dropship;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.marketplace.schema.Tables.STOCK_LEVEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.DropshipApi;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.DropshipBackupRequest;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipSwitch;
import dev.marketplace.sdk.model.DropshipSyncRun;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stock-sync failover per variant (issue 18, decision 64): a variant whose primary supplier fails is synced from its
 * backup, keeps selling while the backup is fresh although its primary is stale, follows its primary again once the
 * primary's breaker has closed, and is taken down only when neither supplier synced within 30 minutes. The breaker
 * opens on two failed calls of two (100 % &gt; 5 %), tries again after a second, and closes on one good call.
 */
class StockFailoverIT {

    private static final WireMockServer supplier = LoopbackWireMock.started();
    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = TwoRestSuppliers.server(Duration.ofSeconds(1)).withClock(clock)
            .with("outbound.defaults.permitted-calls-in-half-open-state", "1");

    @AfterAll
    static void stop() {
        supplier.stop();
    }

    @Test
    void aVariantFollowsItsBackupWhileItsPrimaryFailsAndComesDownOnlyWhenNeitherIsFresh() throws Exception {
        TwoRestSuppliers.stubTokensAndCatalog(supplier);
        stockAnswers("primary", "PRI-1", 9);
        stockAnswers("backup", "BAK-1", 4);

        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Kitchen")
                .commissionRateBasisPoints(1000)).getId();
        TestCatalog.ActiveMerchant merchant = new TestCatalog(server).activeMerchant("Two Suppliers KK", category);
        DropshipApi dropship = merchant.client().dropship();
        DropshipConnection primary = TwoRestSuppliers.connect(supplier, dropship, "primary", category,
                DropshipForwarding.ON_ACCEPTANCE);
        DropshipConnection backup = TwoRestSuppliers.connect(supplier, dropship, "backup", category,
                DropshipForwarding.ON_ACCEPTANCE);
        dropship.importDropshipProducts(primary.getId());
        assertSync(dropship, primary, DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        Product product = merchant.client().products().listProducts().getItems().getFirst();
        UUID variant = product.getVariants().getFirst().getId();
        Product pending = merchant.client().products().submitProduct(product.getId(),
                new ProductStatusChange().version(product.getVersion()));
        server.client().products().approveProduct(pending.getId(), new ProductStatusChange().version(pending.getVersion()));
        dropship.setDropshipBackup(primary.getId(), new DropshipBackupRequest().variantId(variant)
                .backupConnectionId(backup.getId()).backupSupplierSku("BAK-1"));
        assertSync(dropship, backup, DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(available(variant)).as("from the primary while it is healthy").isEqualTo(9);

        // The primary fails every call: its breaker opens and the variant's stock comes from the backup.
        supplier.stubFor(get(urlPathEqualTo("/primary/v1/product/stock")).willReturn(aResponse().withStatus(503)));
        assertSync(dropship, primary, DropshipSyncRun.OutcomeEnum.FAILED);
        assertThat(available(variant)).as("the backup's stock").isEqualTo(4);
        stockAnswers("backup", "BAK-1", 6);
        assertSync(dropship, backup, DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(available(variant)).as("the backup's sync writes it").isEqualTo(6);

        // 31 minutes on, the primary is stale but the backup synced in time: the variant keeps selling.
        clock.advance(Duration.ofMinutes(31));
        assertSync(dropship, backup, DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        server.runJob(DropshipService.FRESHNESS_JOB);
        assertThat(dropship.getDropshipConnection(primary.getId()).getSelling()).isFalse();
        assertThat(available(variant)).isEqualTo(6);
        Customer customer = customer();
        customer.checkout(variant);
        assertThat(available(variant)).as("one sold").isEqualTo(5);

        // The primary answers again: once a sync closed its breaker, the variant follows the primary.
        stockAnswers("primary", "PRI-1", 7);
        Await.until(Duration.ofSeconds(20), "the primary's breaker lets a sync through", () ->
                dropship.syncDropshipConnection(primary.getId()).getOutcome() == DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(available(variant)).as("the primary's stock, less the unit sold").isEqualTo(6);
        assertThat(dropship.listDropshipSwitches(primary.getId()).getItems()).extracting(DropshipSwitch::getDirection)
                .as("newest first").containsExactly(DropshipSwitch.DirectionEnum.TO_PRIMARY,
                        DropshipSwitch.DirectionEnum.TO_BACKUP);
        assertThat(dropship.listDropshipSwitches(primary.getId()).getItems()).allSatisfy(change -> {
            assertThat(change.getBackupConnectionId()).isEqualTo(backup.getId());
            assertThat(change.getReason()).startsWith("stock sync: 1 variant(s)");
        });

        // Neither answers for 31 minutes: now the variant comes down and checkout refuses it.
        for (String side : List.of("primary", "backup")) {
            supplier.stubFor(get(urlPathEqualTo("/" + side + "/v1/product/stock")).willReturn(aResponse().withStatus(503)));
        }
        clock.advance(Duration.ofMinutes(31));
        assertSync(dropship, backup, DropshipSyncRun.OutcomeEnum.FAILED);
        assertSync(dropship, primary, DropshipSyncRun.OutcomeEnum.FAILED);
        assertThatThrownBy(() -> customer.checkout(variant)).isInstanceOfSatisfying(ConflictException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.of("lines_unavailable")));
        server.runJob(DropshipService.FRESHNESS_JOB);
        assertThat(available(variant)).isZero();
        assertThat(dropship.listDropshipSwitches(primary.getId()).getItems()).as("no switch to a stale backup")
                .hasSize(2);
    }

    private static void stockAnswers(String side, String sku, long quantity) {
        supplier.stubFor(get(urlPathEqualTo("/" + side + "/v1/product/stock")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"total": 1, "list": [{"variantSku": "%s", "sellPrice": 400,
                 "warehouses": [{"storageNum": %d}]}]}}""".formatted(sku, quantity))));
    }

    private static void assertSync(DropshipApi dropship, DropshipConnection connection, DropshipSyncRun.OutcomeEnum outcome) {
        DropshipSyncRun run = dropship.syncDropshipConnection(connection.getId());
        assertThat(run.getOutcome()).as(String.valueOf(run.getError())).isEqualTo(outcome);
    }

    /** Units of the variant on sale now, over all locations. */
    private static long available(UUID variant) {
        return server.db().select(STOCK_LEVEL.ON_HAND.minus(STOCK_LEVEL.RESERVED)).from(STOCK_LEVEL)
                .where(STOCK_LEVEL.VARIANT_ID.eq(variant)).fetch().stream().mapToLong(r -> r.value1()).sum();
    }


    private record Customer(MarketplaceClient client) {
        void checkout(UUID variant) {
            UUID cart = client.carts().createCart(Map.of()).getId();
            client.carts().setCartLine(cart, variant, new CartLineSet().quantity(1));
            client.orders().checkout(new OrderCreate().cartId(cart).shippingAddress(new ShippingAddress()
                    .name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo").locality("Shibuya-ku")
                    .line1("1-2-3 Jingumae").phone("+81 3-1234-5678")));
        }
    }

    private static Customer customer() throws Exception {
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.CATALOG_READ, Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE)));
        UUID storefrontId = credentials.getClient().getPrincipalId();
        ECKey key = TokenForge.activeKey(server.db());
        return new Customer(server.clientWithToken(TokenForge.sign(key, TokenForge.header(key).build(),
                TokenForge.customerClaims(credentials.getClient().getClientId(), storefrontId, UUID.randomUUID(),
                        "cart:write", "orders:read", "orders:write").build())));
    }
}
