package dev.marketplace.server.partners.inventory;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.api.PartnerInventoryApi;
import dev.marketplace.sdk.api.PartnerInventoryApi.ListSharedListingChangesParams;
import dev.marketplace.sdk.api.PartnerInventoryApi.ListSharedListingsParams;
import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Lease;
import dev.marketplace.sdk.model.LeaseCommit;
import dev.marketplace.sdk.model.LeaseCreate;
import dev.marketplace.sdk.model.LeaseLineInput;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.api.FulfilmentApi.ListSubOrderChangesParams;
import dev.marketplace.sdk.model.MerchantSubOrder;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.PartnerSubOrder;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.SharedListing;
import dev.marketplace.sdk.model.SharedListingChange;
import dev.marketplace.sdk.model.SharedListingChangePage;
import dev.marketplace.sdk.model.SharedListingSnapshotPage;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A partner platform as a sales channel, through the SDK as a partner would use it: the operator shares merchants'
 * and a category's products (with the merchants' opt-in) at partner prices; the partner reads its feed, takes a
 * lease, commits it into an order the merchants work like any other, lets another lapse; the stock is right after
 * each step, another partner sees none of it, and the ledger holds the partner's receivable and balances.
 */
class PartnerInventoryIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK);

    /** A published variant with its stock at one warehouse. */
    record Item(ActiveMerchant merchant, UUID variantId, UUID locationId) {
    }

    static UUID partnerId;
    static UUID otherPartnerId;
    static PartnerInventoryApi partner;
    static PartnerInventoryApi otherPartner;
    static PartnerInventoryApi operator;
    static Item tea;
    static Item cups;
    static Item notOptedIn;
    static ActiveMerchant teaShop;
    static ActiveMerchant cupShop;
    static TestCatalog catalog;
    static UUID food;

    @BeforeAll
    static void shareAnAssortment() throws Exception {
        catalog = new TestCatalog(server);
        food = server.client().categories().createCategory(new CategoryCreate().name("Food " + UUID.randomUUID())
                .commissionRateBasisPoints(1000)).getId();
        UUID kitchen = server.client().categories().createCategory(new CategoryCreate()
                .name("Kitchen " + UUID.randomUUID()).commissionRateBasisPoints(1000)).getId();
        UUID cupsCategory = server.client().categories().createCategory(new CategoryCreate().name("Cups")
                .parentId(kitchen).commissionRateBasisPoints(1000)).getId();
        teaShop = catalog.activeMerchant("Tea Shop KK", food);
        cupShop = catalog.activeMerchant("Cup Shop KK", kitchen);
        ActiveMerchant shy = catalog.activeMerchant("Shy Shop KK", food);
        tea = item(catalog, teaShop, food, "TEA-1", 1000, 10);
        cups = item(catalog, cupShop, cupsCategory, "CUP-1", 3000, 5);
        notOptedIn = item(catalog, shy, food, "SHY-1", 500, 10);
        partnerId = UUID.randomUUID();
        otherPartnerId = UUID.randomUUID();
        partner = partnerApi(partnerId);
        otherPartner = partnerApi(otherPartnerId);
        operator = server.client().partnerInventory();

        teaShop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partnerId));
        cupShop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partnerId));
        // 10 % off the tea shop's list prices; the kitchen category (cups are in a child category) at list price.
        operator.createAssortmentShare(new AssortmentShareCreate().partnerId(partnerId).merchantId(teaShop.id())
                .priceAdjustmentBasisPoints(-1000));
        operator.createAssortmentShare(new AssortmentShareCreate().partnerId(partnerId).categoryId(kitchen));
        // The shy merchant is shared too, but never opted in: its products stay out.
        operator.createAssortmentShare(new AssortmentShareCreate().partnerId(partnerId).merchantId(shy.id()));
    }

    @Test
    void aPartnerSellsSharedStockThroughLeasesAndOrders() throws Exception {
        // The feed: the shared listings at partner prices with what can be leased; the shy merchant's never.
        Map<UUID, SharedListingChange> feed = latestByVariant(readFeed(partner));
        assertThat(feed).containsKeys(tea.variantId(), cups.variantId()).doesNotContainKey(notOptedIn.variantId());
        assertThat(feed.get(tea.variantId()).getPrice().getAmount()).isEqualTo(900L);
        assertThat(feed.get(cups.variantId()).getPrice().getAmount()).isEqualTo(3000L);
        assertThat(feed.get(tea.variantId()).getAvailable()).isEqualTo(10L);

        // A lease holds the stock, all lines at once.
        Lease lease = partner.createLease(new LeaseCreate().holdSeconds(600).lines(List.of(
                new LeaseLineInput().variantId(tea.variantId()).quantity(3L),
                new LeaseLineInput().variantId(cups.variantId()).quantity(2L))));
        assertThat(lease.getStatus()).isEqualTo(Lease.StatusEnum.ACTIVE);
        assertThat(lease.getLines()).extracting(line -> line.getUnitPrice().getAmount()).containsExactly(900L, 3000L);
        assertStock(tea, 10, 3);
        assertStock(cups, 5, 2);

        // Committed: one order, a sub-order per merchant at the lease's prices plus tax, the stock sold.
        Lease committed = partner.commitLease(lease.getId(), new LeaseCommit().shippingAddress(address()));
        assertThat(committed.getStatus()).isEqualTo(Lease.StatusEnum.COMMITTED);
        assertThat(committed.getOrder().getSubOrders()).hasSize(2)
                .allSatisfy(subOrder -> assertThat(subOrder.getStatus()).isEqualTo("awaiting_acceptance"));
        long orderTotal = committed.getOrder().getTotal().getAmount();
        assertThat(orderTotal).isEqualTo(2700 + 270 + 6000 + 600);
        assertStock(tea, 7, 0);
        assertStock(cups, 3, 0);
        assertThat(partner.commitLease(lease.getId(), new LeaseCommit().shippingAddress(address())).getOrder().getId())
                .as("committing again answers the same order").isEqualTo(committed.getOrder().getId());

        // The merchants see their sub-orders like any other: the tea shop accepts, the cup shop rejects (restocked,
        // and the money goes back to the partner's account).
        Map<UUID, PartnerSubOrder> byMerchant = committed.getOrder().getSubOrders().stream()
                .collect(Collectors.toMap(PartnerSubOrder::getMerchantId, s -> s));
        // Written already paid (decision 107), its sub-order still shows in the merchant's feed as placed, then paid.
        UUID teaSubOrder = byMerchant.get(teaShop.id()).getId();
        List<String> teaFeed = new ArrayList<>();
        Await.until(Duration.ofSeconds(10), "the tea shop's feed shows its paid sub-order", () -> {
            try {
                teaFeed.clear();
                teaShop.client().fulfilment().listSubOrderChanges(ListSubOrderChangesParams.builder().limit(1000)
                        .build()).getItems().stream().filter(change -> change.getSubOrder().getId().equals(teaSubOrder))
                        .forEach(change -> teaFeed.add(change.getEvent()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return teaFeed.size() >= 2;
        });
        assertThat(teaFeed).containsExactly("placed", "awaiting_acceptance");
        MerchantSubOrder accepted = teaShop.client().fulfilment().acceptSubOrder(teaSubOrder);
        assertThat(accepted.getStatus().getValue()).isEqualTo("accepted");
        cupShop.client().fulfilment().rejectSubOrder(byMerchant.get(cupShop.id()).getId(),
                new Rejection().reason("out of glaze"));
        assertStock(cups, 5, 0);

        // Another lease lapses when its time is up, and frees its stock.
        Lease lapsing = partner.createLease(new LeaseCreate().holdSeconds(60).lines(List.of(
                new LeaseLineInput().variantId(tea.variantId()).quantity(4L))));
        assertStock(tea, 7, 4);
        CLOCK.advance(Duration.ofSeconds(61));
        assertThat(server.runJob(LeaseService.LAPSE_JOB)).isEqualTo(1);
        assertThat(partner.getLease(lapsing.getId()).getStatus()).isEqualTo(Lease.StatusEnum.LAPSED);
        assertStock(tea, 7, 0);
        assertThatThrownBy(() -> partner.commitLease(lapsing.getId(), new LeaseCommit().shippingAddress(address())))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(409));

        // A released lease gives its stock back at once.
        Lease released = partner.releaseLease(partner.createLease(new LeaseCreate().lines(List.of(
                new LeaseLineInput().variantId(cups.variantId()).quantity(1L)))).getId());
        assertThat(released.getStatus()).isEqualTo(Lease.StatusEnum.RELEASED);
        assertStock(cups, 5, 0);

        // Another partner sees none of it.
        assertThat(readFeed(otherPartner)).isEmpty();
        for (UUID id : List.of(lease.getId(), lapsing.getId())) {
            assertThatThrownBy(() -> otherPartner.getLease(id))
                    .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(404));
        }
        assertThatThrownBy(() -> otherPartner.releaseLease(lease.getId()))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> otherPartner.createLease(new LeaseCreate().lines(List.of(
                new LeaseLineInput().variantId(tea.variantId()).quantity(1L)))))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(400));

        // The ledger: the partner owes the accepted sub-order (the rejected one credited back), and it balances.
        long teaTotal = byMerchant.get(teaShop.id()).getTotal().getAmount();
        server.catchUp(SettlementModule.LEDGER_POSTING);
        assertThat(server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.eq("partner_receivable:" + partnerId)).fetchSingle().value1())
                .isEqualTo(teaTotal);
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }

    @Test
    void limitsAndUnsharedVariantsAreRefused() throws Exception {
        Item green = item(catalog, teaShop, food, "TEA-2", 1200, 10);
        UUID limited = UUID.randomUUID();
        PartnerInventoryApi api = partnerApi(limited);
        teaShop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(limited));
        operator.createAssortmentShare(new AssortmentShareCreate().partnerId(limited).merchantId(teaShop.id()));
        operator.setLeaseLimits(limited, new dev.marketplace.sdk.model.LeaseLimitsSet().maxUnitsHeld(2L).maxOpenLeases(1));

        Lease held = api.createLease(new LeaseCreate().lines(List.of(
                new LeaseLineInput().variantId(green.variantId()).quantity(1L))));
        assertThatThrownBy(() -> api.createLease(new LeaseCreate().lines(List.of(
                new LeaseLineInput().variantId(green.variantId()).quantity(1L)))))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(operator.getLeaseLimits(limited).getOpenLeases()).isEqualTo(1);
        api.releaseLease(held.getId());
        assertThatThrownBy(() -> api.createLease(new LeaseCreate().lines(List.of(
                new LeaseLineInput().variantId(green.variantId()).quantity(3L)))))
                .as("more units than the limit").isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> api.createLease(new LeaseCreate().lines(List.of(
                new LeaseLineInput().variantId(cups.variantId()).quantity(1L)))))
                .as("a variant not shared with this partner").isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.status()).isEqualTo(400));
        assertThat(operator.getLeaseLimits(limited).getUnitsHeld()).isZero();
    }

    /** A registered partner's client. */
    private static PartnerInventoryApi partnerApi(UUID partner) {
        TestPartners.register(server, partner);
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Partner")
                .principalType(PrincipalType.PARTNER).principalId(partner)
                .scopes(List.of(Scope.PARTNER_INVENTORY_READ, Scope.LEASES_WRITE)));
        MarketplaceClient client = server.clientWithToken(server.token(credentials.getClient().getClientId(),
                credentials.getClientSecret()));
        return client.partnerInventory();
    }

    private static Item item(TestCatalog catalog, ActiveMerchant merchant, UUID category, String sku, long price,
                             long stock) throws Exception {
        Product product = catalog.published(merchant, TestCatalog.product(category, "Item " + sku, sku, price, "JPY"));
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = merchant.client().inventory().createLocation(
                new LocationCreate().code("WH-" + sku).name("Warehouse " + sku)).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(stock).sourceSequence(1L))));
        return new Item(merchant, variant, location);
    }

    @Test
    void aPartnerStartingFromNothingReadsASnapshotThenTheFeedMissesNothingCommittedMeanwhile() throws Exception {
        Item first = item(catalog, teaShop, food, "SNAP-1", 800, 7);
        Item second = item(catalog, teaShop, food, "SNAP-2", 900, 3);

        // Page by page, two candidates at a time; a stock change is committed after the first page.
        Map<UUID, SharedListing> snapshot = new HashMap<>();
        SharedListingSnapshotPage page = partner.listSharedListings(ListSharedListingsParams.builder().limit(2).build());
        String feedCursor = page.getFeedCursor();
        teaShop.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(first.variantId()).locationId(first.locationId()).onHand(4L).sourceSequence(2L))));
        while (true) {
            page.getItems().forEach(listing -> snapshot.put(listing.getVariantId(), listing));
            assertThat(page.getFeedCursor()).as("one snapshot, one hand-over").isEqualTo(feedCursor);
            if (page.getNextCursor() == null) {
                break;
            }
            page = partner.listSharedListings(ListSharedListingsParams.builder().limit(2)
                    .cursor(page.getNextCursor()).build());
        }
        assertThat(snapshot).containsKeys(tea.variantId(), cups.variantId(), first.variantId(), second.variantId())
                .doesNotContainKey(notOptedIn.variantId());
        assertThat(snapshot.get(second.variantId()).getAvailable()).isEqualTo(3);
        assertThat(snapshot.get(second.variantId()).getPrice().getAmount()).as("10 % off").isEqualTo(810);
        assertThat(snapshot.get(first.variantId()).getAvailable()).as("read before or after the change").isIn(7L, 4L);

        // The feed from the hand-over cursor has the change committed during the snapshot, and nothing before it.
        List<SharedListingChange> after = readFeed(partner, feedCursor);
        // A change committed before the snapshot but settled after it began may show up too (applied again).
        assertThat(after).filteredOn(c -> c.getVariantId().equals(first.variantId()))
                .extracting(SharedListingChange::getAvailable).isNotEmpty().last().isEqualTo(4L);
        assertThat(otherPartner.listSharedListings(ListSharedListingsParams.builder().build()).getItems())
                .as("another partner's shares").isEmpty();
    }

    /** The partner's whole feed so far, followed page by page with its cursor. */
    private static List<SharedListingChange> readFeed(PartnerInventoryApi api) {
        return readFeed(api, null);
    }

    /** The partner's feed after {@code from} (null: from the start), followed page by page until caught up. */
    private static List<SharedListingChange> readFeed(PartnerInventoryApi api, String from) {
        List<SharedListingChange> changes = new ArrayList<>();
        String cursor = from;
        while (true) {
            SharedListingChangePage page = api.listSharedListingChanges(
                    ListSharedListingChangesParams.builder().limit(1000).cursor(cursor).build());
            changes.addAll(page.getItems());
            if (cursor != null && cursor.equals(page.getNextCursor())) {
                return changes;
            }
            cursor = page.getNextCursor();
        }
    }

    private static Map<UUID, SharedListingChange> latestByVariant(List<SharedListingChange> changes) {
        return changes.stream().collect(Collectors.toMap(SharedListingChange::getVariantId, c -> c, (a, b) -> b));
    }

    private static void assertStock(Item item, long onHand, long reserved) {
        StockLevel level = item.merchant().client().inventory().listStock(ListStockParams.builder()
                .variantId(item.variantId()).locationId(item.locationId()).build()).getItems().getFirst();
        assertThat(level.getOnHand()).as("on hand").isEqualTo(onHand);
        assertThat(level.getReserved()).as("reserved").isEqualTo(reserved);
    }

    private static ShippingAddress address() {
        return new ShippingAddress().name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo")
                .locality("Shibuya-ku").line1("1-2-3 Jingumae").phone("+81 3-1234-5678");
    }
}
