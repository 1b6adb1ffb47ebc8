package dev.marketplace.server.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.examples.PartnerExchange;
import dev.marketplace.sdk.CursorStore;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.api.PartnersApi;
import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Exchange;
import dev.marketplace.sdk.model.ExchangeDirection;
import dev.marketplace.sdk.model.ExchangeTermsCreate;
import dev.marketplace.sdk.model.Lease;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.PartnerLinkCreate;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.SharedListingChange;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code PartnerExchange} example against a real server, as a partner platform would run it with its own client
 * credentials: a member's points come in once however often the transfer is sent, the day's file shows them, the
 * shared listings' feed shows the shared SKU at the partner's price, and a basket is held and committed into an order.
 */
class PartnerExchangeExampleIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK);

    @Test
    void aPartnerCreditsItsMemberReconcilesFollowsItsListingsAndSells() throws Exception {
        UUID partnerId = UUID.randomUUID();
        TestPartners.register(server, partnerId);
        PartnersApi operator = server.client().partners();
        operator.setExchangeTerms(partnerId, new ExchangeTermsCreate().direction(ExchangeDirection.INBOUND)
                .effectiveFrom(OffsetDateTime.now(CLOCK).withOffsetSameInstant(ZoneOffset.UTC).plusSeconds(1))
                .rateNumerator(1L).rateDenominator(2L).minimum(10L).step(10L).customerDailyCap(100_000L)
                .customerMonthlyCap(1_000_000L).globalDailyCap(10_000_000L)
                .settlementPrice(new Money().amount(1L).currency("JPY")));
        CLOCK.advance(Duration.ofSeconds(2));
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Partner")
                .principalType(PrincipalType.PARTNER).principalId(partnerId)
                .scopes(List.of(Scope.POINTS_EXCHANGE, Scope.PARTNERS_READ, Scope.PARTNER_INVENTORY_READ,
                        Scope.LEASES_WRITE))
                .redirectUris(List.of("https://partner.example/cb")));
        linkMember(credentials, partnerId, "TP-7001");

        // The stock side: a merchant opted in, its products shared at 10 % off, 8 units at a warehouse.
        TestCatalog catalog = new TestCatalog(server);
        UUID tea = server.client().categories().createCategory(new CategoryCreate().name("Tea " + UUID.randomUUID())
                .commissionRateBasisPoints(1000)).getId();
        ActiveMerchant shop = catalog.activeMerchant("Partner Tea KK", tea);
        Product sencha = catalog.published(shop, TestCatalog.product(tea, "Sencha", "SEN-P", 1000, "JPY"));
        UUID variant = sencha.getVariants().getFirst().getId();
        UUID warehouse = shop.client().inventory().createLocation(new LocationCreate().code("WH").name("WH")).getId();
        shop.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate().variantId(variant)
                .locationId(warehouse).onHand(8L).sourceSequence(1L))));
        shop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partnerId));
        server.client().partnerInventory().createAssortmentShare(new AssortmentShareCreate()
                .partnerId(partnerId).merchantId(shop.id()).priceAdjustmentBasisPoints(-1000));

        MarketplaceClient partner = MarketplaceClient.builder().baseUri(server.baseUri())
                .httpClientBuilder(ValidatingHttpClient.builder())
                .clientCredentials(credentials.getClient().getClientId(), credentials.getClientSecret()).build();
        PartnerExchange example = new PartnerExchange(partner, CursorStore.inMemory());

        Exchange credit = example.creditMember("transfer-7001", "TP-7001", 600);
        assertThat(credit.getPoints()).isEqualTo(300L);
        assertThat(example.creditMember("transfer-7001", "TP-7001", 600).getId())
                .as("the same transfer sent again credits nothing twice").isEqualTo(credit.getId());
        assertThat(example.exchangeDay(partnerId, OffsetDateTime.now(CLOCK).withOffsetSameInstant(ZoneOffset.UTC)
                .toLocalDate()).getItems()).extracting(Exchange::getReference).containsExactly("transfer-7001");

        Map<UUID, SharedListingChange> listings = example.pullSharedListings();
        assertThat(listings.get(variant).getPrice().getAmount()).isEqualTo(900L);
        assertThat(listings.get(variant).getAvailable()).isEqualTo(8L);
        assertThat(example.pullSharedListings()).as("caught up: the stored cursor reads nothing again").isEmpty();

        Lease sold = example.sell("basket-1", Map.of(variant, 3L), new ShippingAddress().name("Sato Yui").country("JP")
                .postalCode("150-0001").region("Tokyo").locality("Shibuya-ku").line1("1-2-3 Jingumae")
                .phone("+81 3-1234-5678"));
        assertThat(sold.getStatus()).isEqualTo(Lease.StatusEnum.COMMITTED);
        assertThat(example.sell("basket-1", Map.of(variant, 3L), new ShippingAddress().name("Sato Yui").country("JP")
                .postalCode("150-0001").region("Tokyo").locality("Shibuya-ku").line1("1-2-3 Jingumae")
                .phone("+81 3-1234-5678")).getOrder().getId())
                .as("the basket sent again places no second order").isEqualTo(sold.getOrder().getId());
        StockLevel level = shop.client().inventory().listStock(ListStockParams.builder().variantId(variant)
                .locationId(warehouse).build()).getItems().getFirst();
        assertThat(level.getOnHand()).isEqualTo(5L);
        assertThat(level.getReserved()).isZero();
    }

    /** A customer signs in through the partner's hosted sign-in and links its member id (the consent is the link's). */
    private static void linkMember(ClientCredentials partner, UUID partnerId, String memberId) throws Exception {
        TestCustomers customers = new TestCustomers(server);
        TestCustomers.SignInClient storefront = customers.storefront("Storefront", "https://shop.example/cb");
        String email = "member-" + UUID.randomUUID() + "@example.com";
        customers.registerVerified(storefront, email);
        TestCustomers.SignInClient partnerSignIn = new TestCustomers.SignInClient(partner.getClient().getClientId(),
                partner.getClientSecret(), "https://partner.example/cb", null);
        String customerToken = customers.signIn(partnerSignIn, email, "points:exchange").accessToken();
        server.clientWithToken(customerToken).partners()
                .linkPartnerMember(new PartnerLinkCreate().partnerId(partnerId).memberId(memberId));
    }
}
