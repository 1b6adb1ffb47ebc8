package dev.marketplace.server.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.examples.ErpSync;
import dev.marketplace.examples.ErpSync.CatalogSync;
import dev.marketplace.examples.ErpSync.ErpItem;
import dev.marketplace.examples.OperatorOnboarding;
import dev.marketplace.examples.StorefrontCheckout;
import dev.marketplace.sdk.CursorStore;
import dev.marketplace.sdk.CustomerSession;
import dev.marketplace.sdk.CustomerSignIn;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LedgerEntry;
import dev.marketplace.sdk.model.Listing;
import dev.marketplace.sdk.model.MerchantApproved;
import dev.marketplace.sdk.model.MerchantStatus;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.ProductModerationResult;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.sdk.model.UpsertOutcome;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The examples in {@code examples/} run against a real server, each as an integrator would run it, and their
 * outcomes are asserted: the operator onboards, two merchants' ERPs sync their catalogs, a storefront's customer
 * buys from both, each ERP pulls its sub-order from the feed and ships it (and a repeat ships nothing twice), and
 * the customer tracks the order and asks for a return.
 */
class ExamplesIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final URI REDIRECT = URI.create("https://tea-shop.example/signed-in");
    private static final String PASSWORD = "correct horse battery staple";

    @Test
    void operatorOnboardingIssuesMerchantAndStorefrontCredentialsThatWork() {
        OperatorOnboarding onboarding = new OperatorOnboarding(server.client());
        Category tea = onboarding.categories("Drinks", "Green tea");
        MerchantApproved merchant = onboarding.onboardMerchant("Uji Leaf K.K.", tea.getId());
        ClientCredentials storefront = onboarding.registerStorefront("Leaf shop", REDIRECT);

        assertThat(tea.getParentId()).isNotNull();
        assertThat(tea.getCommissionRateBasisPoints()).isEqualTo(800);
        assertThat(merchant.getMerchant().getStatus()).isEqualTo(MerchantStatus.ACTIVE);
        assertThat(onboarding.onboardMerchant("Uji Leaf K.K.", tea.getId()).getMerchant().getId())
                .as("a repeat with the same idempotency keys replays, it does not apply twice")
                .isEqualTo(merchant.getMerchant().getId());
        assertThat(signedIn(merchant.getCredentials()).merchants().getMerchant(merchant.getMerchant().getId()).getStatus())
                .as("the merchant's own credentials work").isEqualTo(MerchantStatus.ACTIVE);
        assertThat(signedIn(storefront).listings().listListings().getItems()).isNotNull();
    }

    @Test
    void erpSyncAndStorefrontCheckoutFromCatalogToAShippedAndReturnedOrder() throws Exception {
        OperatorOnboarding onboarding = new OperatorOnboarding(server.client());
        UUID category = onboarding.categories("Food", "Tea").getId();
        MerchantApproved kyoto = onboarding.onboardMerchant("Kyoto Tea Co.", category);
        MerchantApproved mino = onboarding.onboardMerchant("Mino Pottery", category);
        ErpSync kyotoErp = erp(kyoto);
        ErpSync minoErp = erp(mino);

        CatalogSync kyotoCatalog = kyotoErp.syncCatalog(category, List.of(
                new ErpItem("ERP-1001", "SEN-100G", "Sencha leaf tea 100 g", 1_200, 40),
                new ErpItem("ERP-1002", "MAT-30G", "Matcha tea 30 g", 2_400, 15)), 1);
        minoErp.syncCatalog(category, List.of(new ErpItem("M-7", "CUP-1", "Tea cup, Mino ware", 3_000, 5)), 1);
        CatalogSync again = kyotoErp.syncCatalog(category, List.of(
                new ErpItem("ERP-1001", "SEN-100G", "Sencha leaf tea 100 g", 1_200, 38),
                new ErpItem("ERP-1002", "MAT-30G", "Matcha tea 30 g", 2_400, 15)), 2);

        assertThat(kyotoCatalog.outcomes()).isEqualTo(Map.of("ERP-1001", UpsertOutcome.CREATED, "ERP-1002", UpsertOutcome.CREATED));
        assertThat(again.outcomes()).containsOnlyKeys("ERP-1001", "ERP-1002").containsValues(UpsertOutcome.UNCHANGED);
        assertThat(again.locationId()).as("the warehouse is found by its code, not made twice").isEqualTo(kyotoCatalog.locationId());
        UUID sencha = kyotoCatalog.variantsBySku().get("SEN-100G");
        Map<UUID, Long> mirrored = new HashMap<>();
        Await.until(Duration.ofSeconds(10), "the stock feed shows export 2", () -> {
            unchecked(kyotoErp::pullStock).forEach((variant, level) -> mirrored.put(variant, level.getOnHand()));
            return Long.valueOf(38).equals(mirrored.get(sencha));
        });
        assertThat(onboarding.approveSubmittedProducts(kyoto.getMerchant().getId()))
                .extracting(ProductModerationResult::getStatus).containsOnly(ProductStatus.PUBLISHED).hasSize(2);
        assertThat(onboarding.approveSubmittedProducts(mino.getMerchant().getId())).hasSize(1);

        TestCustomers customers = new TestCustomers(server);
        ClientCredentials storefrontCredentials = onboarding.registerStorefront("Tea shop", REDIRECT);
        StorefrontCheckout shop = new StorefrontCheckout(signedIn(storefrontCredentials), CustomerSignIn.builder()
                .baseUri(server.baseUri()).httpClientBuilder(ValidatingHttpClient.builder())
                .client(storefrontCredentials.getClient().getClientId(), storefrontCredentials.getClientSecret())
                .redirectUri(REDIRECT).scopes("cart:write", "orders:read", "orders:write").build());
        List<Listing> found = new ArrayList<>();
        Await.until(Duration.ofSeconds(10), "the published products are listed", () -> {
            found.clear();
            found.addAll(shop.search("sencha"));
            found.addAll(shop.search("cup"));
            return found.size() == 2;
        });
        String email = "yui.sato@example.jp";
        UUID customerId = shop.register(email, PASSWORD, "Sato Yui", server.mails()::latestCodeFor);
        CustomerSession customer = shop.signIn(url -> walkHostedPages(customers, url, email));
        Order order = shop.buy(customer, found, new ShippingAddress().name("Sato Yui").country("JP")
                .postalCode("150-0001").region("Tokyo").locality("Shibuya-ku").line1("1-2-3 Jingumae")
                .phone("+81 3-1234-5678"));

        assertThat(order.getCustomerId()).isEqualTo(customerId);
        assertThat(order.getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(order.getSubOrders()).extracting(SubOrder::getMerchantId)
                .containsExactlyInAnyOrder(kyoto.getMerchant().getId(), mino.getMerchant().getId());

        UUID kyotoPart = subOrderOf(order, kyoto);
        Set<UUID> shippedByKyoto = new HashSet<>();
        Await.until(Duration.ofSeconds(10), "Kyoto's ERP finds its sub-order in the feed and ships it", () -> {
            shippedByKyoto.addAll(unchecked(() -> kyotoErp.pullOrdersAndShip("Yamato")));
            return !shippedByKyoto.isEmpty();
        });
        assertThat(shippedByKyoto).containsExactly(kyotoPart);
        Await.until(Duration.ofSeconds(10), "Mino's ERP ships too", () -> !unchecked(() -> minoErp.pullOrdersAndShip("Sagawa")).isEmpty());
        MarketplaceClient kyotoClient = signedIn(kyoto.getCredentials());
        erp(kyoto).pullOrdersAndShip("Yamato"); // the feed read again from its start, as after a lost cursor
        assertThat(kyotoClient.fulfilment().getSubOrder(kyotoPart).getShipments())
                .as("the repeat's accept and ship replayed the first answers: nothing was shipped twice").hasSize(1);
        Order tracked = shop.track(customer, order.getId());
        assertThat(tracked.getSubOrders()).extracting(SubOrder::getStatus).containsOnly(SubOrderStatus.SHIPPED);
        Await.until(Duration.ofSeconds(10), "the sale reaches the ERP through the stock feed", () -> {
            unchecked(kyotoErp::pullStock).forEach((variant, level) -> mirrored.put(variant, level.getOnHand()));
            return Long.valueOf(37).equals(mirrored.get(sencha));
        });

        kyotoClient.fulfilment().deliverSubOrder(kyotoPart, new StatusChangeReason().reason("signed for"));
        SubOrder delivered = subOrder(shop.track(customer, order.getId()), kyotoPart);
        OrderReturn requested = shop.returnOne(customer, order, delivered, "wrong grade of tea");

        assertThat(delivered.getStatus()).isEqualTo(SubOrderStatus.DELIVERED);
        assertThat(requested.getStatus()).isEqualTo(OrderReturn.StatusEnum.REQUESTED);
        assertThat(requested.getSubOrderId()).isEqualTo(kyotoPart);
        String thisMonth = YearMonth.now(ZoneOffset.UTC).toString();
        Await.until(Duration.ofSeconds(30), "the delivered sub-order's money is on Kyoto's statement", () -> {
            try {
                return kyotoErp.statementLines(thisMonth).stream()
                        .anyMatch(line -> ("escrow_released:" + kyotoPart).equals(line.getReference()));
            } catch (NotFoundException noEntryYet) { // a statement starts with the payable's first entry
                return false;
            }
        });
        Map<UUID, List<LedgerEntry>> booked = new HashMap<>();
        Await.until(Duration.ofSeconds(10), "the settled sub-order reaches Kyoto's books through the ledger feed", () -> {
            unchecked(kyotoErp::pullSettlement).forEach((subOrder, entries) ->
                    booked.computeIfAbsent(subOrder, id -> new ArrayList<>()).addAll(entries));
            return booked.getOrDefault(kyotoPart, List.of()).stream()
                    .anyMatch(entry -> "escrow_released".equals(entry.getEventType()));
        });
        assertThat(booked).as("only Kyoto's own sub-orders").doesNotContainKey(subOrderOf(order, mino));
        assertThat(booked.get(kyotoPart)).filteredOn(entry -> "escrow_released".equals(entry.getEventType()))
                .as("the release credits Kyoto's payable in yen, once")
                .singleElement().satisfies(entry -> assertThat(entry.getAmount().getCurrency()).isEqualTo("JPY"))
                .satisfies(entry -> assertThat(entry.getAmount().getAmount()).isNegative());
        assertThat(booked.get(kyotoPart)).extracting(LedgerEntry::getId).doesNotHaveDuplicates();
    }

    /** Await's conditions throw nothing checked; the examples' feed reads declare what a feed handler may throw. */
    private static <T> T unchecked(Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ErpSync erp(MerchantApproved merchant) {
        return new ErpSync(signedIn(merchant.getCredentials()), CursorStore.inMemory(), CursorStore.inMemory(),
                CursorStore.inMemory(), "WH-1");
    }

    /** The SDK as an integration builds it: client credentials, tokens fetched and renewed by the SDK. */
    private static MarketplaceClient signedIn(ClientCredentials credentials) {
        return MarketplaceClient.builder().baseUri(server.baseUri()).httpClientBuilder(ValidatingHttpClient.builder())
                .clientCredentials(credentials.getClient().getClientId(), credentials.getClientSecret()).build();
    }

    private static UUID subOrderOf(Order order, MerchantApproved merchant) {
        return order.getSubOrders().stream().filter(part -> part.getMerchantId().equals(merchant.getMerchant().getId()))
                .findFirst().orElseThrow().getId();
    }

    private static SubOrder subOrder(Order order, UUID id) {
        return order.getSubOrders().stream().filter(part -> part.getId().equals(id)).findFirst().orElseThrow();
    }

    /** The customer's browser: the authorization URL, the sign-in form, the consent form; the redirect back. */
    private static URI walkHostedPages(TestCustomers customers, URI authorizationUrl, String email) {
        HttpResponse<String> page = server.send(server.anonymousRequest(
                authorizationUrl.getRawPath() + "?" + authorizationUrl.getRawQuery()).GET().build());
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<String> consent = customers.postForm("/oauth2/authorize/sign-in", cookie,
                Map.of("csrf", TestCustomers.csrf(page.body()), "email", email, "password", PASSWORD));
        HttpResponse<String> back = customers.postForm("/oauth2/authorize/consent", cookie,
                Map.of("csrf", TestCustomers.csrf(consent.body()), "decision", "allow"));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(303);
        return URI.create(back.headers().firstValue("Location").orElseThrow());
    }
}
