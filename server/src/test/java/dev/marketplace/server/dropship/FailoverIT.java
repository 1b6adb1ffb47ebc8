package dev.marketplace.server.dropship;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.marketplace.schema.Tables.DROPSHIP_SWITCH;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.DropshipApi;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.DropshipBackupRequest;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipForward;
import dev.marketplace.sdk.model.DropshipForwardStatus;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipSwitch;
import dev.marketplace.sdk.model.DropshipSyncRun;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.server.testing.LoopbackWireMock;
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
 * Failover (issue 18): a variant with a backup supplier is forwarded to the backup while its primary supplier's
 * circuit breaker is open, and the switch is recorded. The breaker here opens after two failed calls of two.
 */
class FailoverIT {

    private static final WireMockServer supplier = LoopbackWireMock.started();

    @RegisterExtension
    static final TestServer server = TwoRestSuppliers.server(Duration.ofMinutes(5));

    @AfterAll
    static void stop() {
        supplier.stop();
    }

    @Test
    void aLineGoesToTheBackupWhileThePrimarysBreakerIsOpen() throws Exception {
        TwoRestSuppliers.stubTokensAndCatalog(supplier);
        supplier.stubFor(get(urlPathEqualTo("/primary/v1/product/stock")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"total": 1, "list": [{"variantSku": "PRI-1", "sellPrice": 400,
                 "warehouses": [{"storageNum": 9}]}]}}""")));
        supplier.stubFor(post(urlPathEqualTo("/backup/v1/shopping/order/createOrder")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"orderId": "BACKUP-1"}}""")));

        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Kitchen")
                .commissionRateBasisPoints(1000)).getId();
        TestCatalog.ActiveMerchant merchant = new TestCatalog(server).activeMerchant("Two Suppliers KK", category);
        DropshipApi dropship = merchant.client().dropship();
        DropshipConnection primary = TwoRestSuppliers.connect(supplier, dropship, "primary", category,
                DropshipForwarding.AUTOMATIC);
        DropshipConnection backup = TwoRestSuppliers.connect(supplier, dropship, "backup", category,
                DropshipForwarding.AUTOMATIC);
        dropship.importDropshipProducts(primary.getId());
        assertThat(dropship.syncDropshipConnection(primary.getId()).getOutcome())
                .isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        Product product = merchant.client().products().listProducts().getItems().getFirst();
        UUID variant = product.getVariants().getFirst().getId();
        dropship.setDropshipBackup(primary.getId(), new DropshipBackupRequest().variantId(variant)
                .backupConnectionId(backup.getId()).backupSupplierSku("BAK-1"));

        // The primary fails: its stock read fails on every attempt, and its breaker opens.
        supplier.stubFor(get(urlPathEqualTo("/primary/v1/product/stock")).willReturn(aResponse().withStatus(503)));
        assertThat(dropship.syncDropshipConnection(primary.getId()).getOutcome())
                .isEqualTo(DropshipSyncRun.OutcomeEnum.FAILED);

        Product pending = merchant.client().products().submitProduct(product.getId(),
                new ProductStatusChange().version(product.getVersion()));
        server.client().products().approveProduct(pending.getId(), new ProductStatusChange().version(pending.getVersion()));
        UUID subOrder = sell(variant);
        server.catchUp(DropshipForwardingModule.FORWARD_INTENTS);
        server.runJob(ForwardingService.FORWARDING_JOB);

        DropshipForward forward = dropship.listDropshipForwards(DropshipApi.ListDropshipForwardsParams.builder()
                .subOrderId(subOrder).build()).getItems().getFirst();
        assertThat(forward.getStatus()).isEqualTo(DropshipForwardStatus.FORWARDED_TO_SUPPLIER);
        assertThat(forward.getConnectionId()).isEqualTo(backup.getId());
        assertThat(forward.getSupplierSku()).isEqualTo("BAK-1");
        assertThat(forward.getSupplierOrderRef()).isEqualTo("BACKUP-1");
        supplier.verify(0, postRequestedFor(urlPathEqualTo("/primary/v1/shopping/order/createOrder")));
        assertThat(server.db().select(DROPSHIP_SWITCH.DIRECTION).from(DROPSHIP_SWITCH)
                .where(DROPSHIP_SWITCH.CONNECTION_ID.eq(primary.getId())).fetch(DROPSHIP_SWITCH.DIRECTION))
                .containsExactly("to_backup");
        assertThat(dropship.listDropshipSwitches(primary.getId()).getItems()).singleElement().satisfies(change -> {
            assertThat(change.getDirection()).isEqualTo(DropshipSwitch.DirectionEnum.TO_BACKUP);
            assertThat(change.getBackupConnectionId()).isEqualTo(backup.getId());
            assertThat(change.getReason()).contains("circuit breaker is open");
        });
        assertThat(dropship.listDropshipSwitches(backup.getId()).getItems()).as("the backup never switched").isEmpty();
    }


    private static UUID sell(UUID variant) throws Exception {
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.CATALOG_READ, Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE)));
        UUID storefrontId = credentials.getClient().getPrincipalId();
        ECKey key = TokenForge.activeKey(server.db());
        MarketplaceClient customer = server.clientWithToken(TokenForge.sign(key, TokenForge.header(key).build(),
                TokenForge.customerClaims(credentials.getClient().getClientId(), storefrontId, UUID.randomUUID(),
                        "cart:write", "orders:read", "orders:write").build()));
        UUID cart = customer.carts().createCart(Map.of()).getId();
        customer.carts().setCartLine(cart, variant, new CartLineSet().quantity(1));
        Order order = customer.orders().checkout(new OrderCreate().cartId(cart).shippingAddress(new ShippingAddress()
                .name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo").locality("Shibuya-ku")
                .line1("1-2-3 Jingumae").phone("+81 3-1234-5678")));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return order.getSubOrders().getFirst().getId();
    }
}
