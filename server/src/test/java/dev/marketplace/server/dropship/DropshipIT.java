package dev.marketplace.server.dropship;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.DropshipApi;
import dev.marketplace.sdk.api.ListingsApi;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.DropshipCategoryMapping;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipConnectionCreate;
import dev.marketplace.sdk.model.DropshipConnectorKind;
import dev.marketplace.sdk.model.DropshipForward;
import dev.marketplace.sdk.model.DropshipForwardStatus;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipImportItem;
import dev.marketplace.sdk.model.DropshipImportRequest;
import dev.marketplace.sdk.model.DropshipImportResult;
import dev.marketplace.sdk.model.DropshipPricingRule;
import dev.marketplace.sdk.model.DropshipStockBuffer;
import dev.marketplace.sdk.model.DropshipSyncRun;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ServiceLevelMeasure;
import dev.marketplace.sdk.model.ServiceLevelReport;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole drop-ship flow through the SDK on the built-in simulated supplier (issue 18): connect, import its 1,000
 * products mapped and priced, publish one, sell it, see it forwarded exactly once, tracked and delivered; then stop
 * the supplier for 31 minutes of the server's clock and see the listing stop selling, and recover.
 */
class DropshipIT {

    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(clock).with("points.base-rate-bp", "0")
            .with("dropship.jobs.sweep", "PT1H") // the test runs the jobs itself
            .with("dropship.simulated.products", "1000");

    @Test
    void importSellForwardTrackDeliverGoStaleAndRecover() throws Exception {
        UUID home = server.client().categories().createCategory(new CategoryCreate().name("Home")
                .commissionRateBasisPoints(1000)).getId();
        UUID kitchen = server.client().categories().createCategory(new CategoryCreate().name("Kitchen")
                .commissionRateBasisPoints(800)).getId();
        TestCatalog.ActiveMerchant merchant = new TestCatalog(server).activeMerchant("Direct Goods KK", home);
        DropshipApi dropship = merchant.client().dropship();

        DropshipConnection connection = dropship.createDropshipConnection(new DropshipConnectionCreate()
                .name("Simulated supplier").kind(DropshipConnectorKind.SIMULATED).currency("JPY")
                .pricing(new DropshipPricingRule().markupBasisPoints(15_000).fixedAmount(100L).priceEnding(80)
                        .priceEndingModulus(100).minMarginBasisPoints(2_000))
                .buffer(new DropshipStockBuffer().units(1L).percent(10))
                .forwarding(DropshipForwarding.AUTOMATIC)
                .categoryMappings(List.of(new DropshipCategoryMapping().supplierCategory("Kitchen").categoryId(kitchen)))
                .defaultCategoryId(home));
        assertThat(connection.getSelling()).isTrue();

        long started = System.nanoTime();
        DropshipImportResult imported = dropship.importDropshipProducts(connection.getId(), new DropshipImportRequest()
                .afterImport(DropshipImportRequest.AfterImportEnum.SUBMIT_FOR_REVIEW));
        Duration importTook = Duration.ofNanos(System.nanoTime() - started);
        assertThat(imported.getRead()).isEqualTo(1000);
        assertThat(imported.getCreated()).isEqualTo(1000);
        assertThat(imported.getRejected()).isZero();
        System.out.println("imported 1,000 simulated products in " + importTook.toMillis() + " ms");

        // SIM-P000001 (n = 1): category Kitchen (1 % 4), cost 500 + 37 = 537, stock 10 + 1 = 11.
        DropshipImportItem first = imported.getItems().stream()
                .filter(i -> i.getSupplierProductId().equals("SIM-P000001")).findFirst().orElseThrow();
        assertThat(first.getProductStatus()).isEqualTo(DropshipImportItem.ProductStatusEnum.PENDING_REVIEW);
        Product product = server.client().products().getProduct(first.getProductId());
        assertThat(product.getCategoryId()).as("mapped").isEqualTo(kitchen);
        // 537 × 1.5 = 805.5 → 806, + 100 = 906; margin floor 537 × 1.2 → 645; raised to the ending 80: 980
        assertThat(product.getVariants().getFirst().getPrice().getAmount()).isEqualTo(980L);
        assertThat(product.getVariants().getFirst().getSku()).isEqualTo("SIM-P000001-A");

        DropshipImportResult again = dropship.importDropshipProducts(connection.getId(), new DropshipImportRequest()
                .supplierProductIds(List.of("SIM-P000001")));
        assertThat(again.getCreated()).as("a re-import never duplicates").isZero();
        assertThat(again.getUnchanged()).isEqualTo(1);

        Product published = server.client().products().approveProduct(product.getId(),
                new ProductStatusChange().version(server.client().products().getProduct(product.getId()).getVersion()));
        UUID variant = published.getVariants().getFirst().getId();

        DropshipSyncRun run = dropship.syncDropshipConnection(connection.getId());
        assertThat(run.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        List<DropshipSyncRun> runs = dropship.listDropshipSyncRuns(connection.getId()).getItems();
        assertThat(runs).first().extracting(DropshipSyncRun::getId).isEqualTo(run.getId());
        // The full sync after the import: this one, or the schedule's if it came first (then this one found nothing new).
        assertThat(runs).filteredOn(r -> !r.getIncremental()).singleElement().satisfies(full -> {
            assertThat(full.getItems()).isEqualTo(1000);
            assertThat(full.getChanges()).isEqualTo(1000);
        });
        // 11 less 1 unit and 10 % (1.1 → 2): 8 to sell
        assertThat(merchant.client().inventory().listStock(dev.marketplace.sdk.api.InventoryApi.ListStockParams.builder()
                .variantId(variant).build()).getItems().getFirst().getAvailable()).isEqualTo(8L);

        Customer customer = customer();
        awaitListed(product.getId(), merchant.id(), true);
        Order order = customer.client.orders().checkout(new OrderCreate().cartId(customer.cartWith(variant, 1))
                .shippingAddress(address()));
        customer.client.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        UUID subOrder = order.getSubOrders().getFirst().getId();

        server.catchUp(DropshipForwardingModule.FORWARD_INTENTS);
        server.runJob(ForwardingService.FORWARDING_JOB);
        server.runJob(ForwardingService.FORWARDING_JOB);
        List<DropshipForward> forwards = dropship.listDropshipForwards(DropshipApi.ListDropshipForwardsParams.builder()
                .subOrderId(subOrder).build()).getItems();
        assertThat(forwards).singleElement().satisfies(f -> {
            assertThat(f.getStatus()).isEqualTo(DropshipForwardStatus.FORWARDED_TO_SUPPLIER);
            assertThat(f.getSupplierOrderRef()).startsWith("SIM-O");
            assertThat(f.getSupplierSku()).isEqualTo("SIM-P000001-A");
        });
        SimulatedSupplier supplier = simulated();
        assertThat(supplier.orderCount()).as("forwarded once").isEqualTo(1);
        assertThat(merchant.client().fulfilment().getSubOrder(subOrder).getStatus())
                .as("accepted for the merchant once the supplier took it").isEqualTo(SubOrderStatus.ACCEPTED);

        server.runJob(ForwardingService.TRACKING_JOB);
        assertThat(dropship.getDropshipForward(forwards.getFirst().getId()).getTrackingNumber()).startsWith("SIMTRACK");
        assertThat(merchant.client().fulfilment().getSubOrder(subOrder).getStatus()).isEqualTo(SubOrderStatus.SHIPPED);
        clock.advance(Duration.ofMinutes(5));
        server.runJob(ForwardingService.TRACKING_JOB);
        assertThat(dropship.getDropshipForward(forwards.getFirst().getId()).getStatus())
                .isEqualTo(DropshipForwardStatus.DELIVERED);
        assertThat(merchant.client().fulfilment().getSubOrder(subOrder).getStatus()).isEqualTo(SubOrderStatus.DELIVERED);
        assertThat(supplier.orderCount()).isEqualTo(1);

        // The supplier stops answering for 31 minutes: the listing stops selling and checkout refuses it.
        UUID waitingCart = customer.cartWith(variant, 1);
        supplier.stop();
        clock.advance(Duration.ofMinutes(31));
        server.runJob(DropshipService.SYNC_JOB);
        assertThat(dropship.listDropshipSyncRuns(connection.getId()).getItems().getFirst().getOutcome())
                .isEqualTo(DropshipSyncRun.OutcomeEnum.FAILED);
        assertThatThrownBy(() -> customer.client.orders().checkout(new OrderCreate().cartId(waitingCart)
                .shippingAddress(address())))
                .as("refused by checkout even before the freshness job ran")
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.of("lines_unavailable")));
        server.runJob(DropshipService.FRESHNESS_JOB); // (its scheduled run may have come first)
        assertThat(dropship.getDropshipConnection(connection.getId()).getSelling()).isFalse();
        awaitListed(product.getId(), merchant.id(), false);
        assertThat(server.db().fetchCount(DOMAIN_EVENT, DOMAIN_EVENT.TYPE.eq("dropship_stale"))).isEqualTo(1);

        supplier.start();
        assertThat(dropship.syncDropshipConnection(connection.getId()).getOutcome())
                .isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(dropship.getDropshipConnection(connection.getId()).getSelling()).isTrue();
        awaitListed(product.getId(), merchant.id(), true);
        Order recovered = customer.client.orders().checkout(new OrderCreate().cartId(waitingCart).shippingAddress(address()));
        assertThat(recovered.getSubOrders()).hasSize(1);

        // Issue 22: the merchant's service levels measure the supplier data's freshness from the syncs: about six
        // minutes of the connected time were stale (30 minutes after the last good sync until the recovery).
        ServiceLevelReport levels = merchant.client().serviceLevels().getServiceLevels(merchant.id());
        assertThat(levels.getUnmeasured()).isEmpty();
        assertThat(levels.getMeasures()).filteredOn(m -> m.getName() == ServiceLevelMeasure.NameEnum.DATA_FRESHNESS)
                .singleElement().satisfies(m -> {
                    assertThat(m.getDue()).as("connected minutes").isBetween(36, 45);
                    assertThat(m.getDue() - m.getInTime()).as("stale minutes").isBetween(5, 8);
                    assertThat(m.getMissed()).isTrue();
                });
    }

    private static SimulatedSupplier simulated() {
        return server.module(DropshipModule.class).simulatedSupplier();
    }

    private static void awaitListed(UUID productId, UUID merchantId, boolean inStock) {
        ListingsApi listings = server.client().listings();
        Await.until(Duration.ofSeconds(10), "product " + productId + (inStock ? " in stock" : " sold out"), () ->
                listings.listListings(ListingsApi.ListListingsParams.builder().merchantId(merchantId).inStock(true)
                        .limit(200).build()).getItems().stream().anyMatch(l -> l.getProductId().equals(productId)) == inStock);
    }

    private static ShippingAddress address() {
        return new ShippingAddress().name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo")
                .locality("Shibuya-ku").line1("1-2-3 Jingumae").phone("+81 3-1234-5678");
    }

    /** A storefront acting for a new customer, with the customer's consent. */
    private record Customer(MarketplaceClient client) {
        UUID cartWith(UUID variant, int quantity) throws Exception {
            UUID cart = client.carts().createCart(Map.of()).getId();
            client.carts().setCartLine(cart, variant, new CartLineSet().quantity(quantity));
            return cart;
        }
    }

    private static Customer customer() throws Exception {
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.CATALOG_READ, Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE)));
        UUID storefrontId = credentials.getClient().getPrincipalId();
        ECKey key = TokenForge.activeKey(server.db());
        String token = TokenForge.sign(key, TokenForge.header(key).build(), TokenForge.customerClaims(
                credentials.getClient().getClientId(), storefrontId, UUID.randomUUID(), "cart:write", "orders:read",
                "orders:write").build());
        return new Customer(server.clientWithToken(token));
    }
}
