package dev.marketplace.server.customers;

import static dev.marketplace.schema.Tables.CUSTOMER;
import static dev.marketplace.schema.Tables.MERCHANT;
import static dev.marketplace.schema.Tables.WEBHOOK_ENDPOINT;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.Webhooks;
import dev.marketplace.schema.tables.records.MerchantRecord;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.CustomerAddress;
import dev.marketplace.sdk.model.CustomerRegistration;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantAddress;
import dev.marketplace.sdk.model.MerchantApplication;
import dev.marketplace.sdk.model.MerchantContact;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.StorefrontCreate;
import dev.marketplace.sdk.model.WebhookEndpointCreate;
import dev.marketplace.sdk.model.WebhookSecretRotation;
import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.platform.security.SecretBox;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.RecordingMailSender;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rotating the key that seals personal data: a node started with a new current key and the old one listed as
 * previous re-seals every row under the new key by itself, after which the old key can be dropped. Customers' and
 * merchants' data share the keys; merchant rows written plain before V16 are sealed by the same job. Webhook endpoints'
 * signing secrets (the current one and one rotated out) are sealed with them too, and still sign after the old key
 * is gone.
 */
class PiiKeyRotationIT {

    private static final String OLD_KEY = SecretBox.newBase64Key();
    private static final String NEW_KEY = SecretBox.newBase64Key();
    private static final CustomerAddress HOME = new CustomerAddress().postalCode("530-0001").country("JP")
            .region("大阪府").city("大阪市北区").line1("梅田1-1");

    private static WireMockServer receiver;

    @BeforeAll
    static void startReceiver() {
        receiver = LoopbackWireMock.started();
        receiver.stubFor(post(urlEqualTo("/hooks")).willReturn(aResponse().withStatus(200)));
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop();
    }

    @Test
    void personalDataIsResealedUnderTheNewKeyAndStaysReadable() throws Exception {
        String databaseUrl = TestDatabases.newDatabase();
        Map<String, String> base = Map.of("server.port", "0", "server.host", "127.0.0.1", "db.url", databaseUrl,
                "data.dir", System.getProperty("java.io.tmpdir") + "/pii-rotation-" + UUID.randomUUID(),
                "webhooks.require-https", "false", "outbound.allowed-private-networks.0", "127.0.0.1/32");
        UUID customer;
        UUID merchant;
        UUID plainMerchant;
        UUID endpoint;
        String currentSecret;
        String previousSecret;
        try (MarketplaceServer before = start(base, Map.of("security.pii.current.id", "k1", "security.pii.current.key", OLD_KEY))) {
            MarketplaceClient storefront = storefront(before);
            customer = storefront.customers().registerCustomer(new CustomerRegistration().email("rotate@example.jp")
                    .password("long enough password").name("Rotating").phone("06-1234-5678").addresses(List.of(HOME))).getId();
            assertThat(keyIdOf(before, customer)).isEqualTo("k1");
            merchant = operator(before).merchants().applyMerchant(merchantApplication(before)).getId();
            assertThat(merchantKeyIdOf(before, merchant)).isEqualTo("k1");
            plainMerchant = insertMerchantAsWrittenBeforeV16(before);
            var hooks = operator(before).webhookEndpoints().createWebhookEndpoint(new WebhookEndpointCreate()
                    .url(URI.create("http://127.0.0.1:" + receiver.port() + "/hooks")).topics(List.of("merchant.*")));
            endpoint = hooks.getEndpoint().getId();
            previousSecret = hooks.getSecret();
            currentSecret = operator(before).webhookEndpoints().rotateWebhookEndpointSecret(endpoint,
                    new WebhookSecretRotation().previousSecretValidForSeconds(86_400L)).getSecret();
        }
        try (MarketplaceServer rotating = start(base, Map.of("security.pii.current.id", "k2", "security.pii.current.key", NEW_KEY,
                "security.pii.previous.keys.k1", OLD_KEY))) {
            Await.until(Duration.ofSeconds(20), "personal data re-sealed under k2", () -> "k2".equals(keyIdOf(rotating, customer))
                    && "k2".equals(merchantKeyIdOf(rotating, merchant)) && "k2".equals(merchantKeyIdOf(rotating, plainMerchant))
                    && List.of("k2", "k2").equals(webhookKeyIdsOf(rotating, endpoint)));
            MerchantRecord sealed = rotating.database().dsl().selectFrom(MERCHANT).where(MERCHANT.ID.eq(plainMerchant)).fetchOne();
            assertThat(sealed.getContactPhone()).as("plain columns cleared once sealed").isNull();
            assertThat(sealed.getAddressLine2()).isNull();
        }
        try (MarketplaceServer after = start(base, Map.of("security.pii.current.id", "k2", "security.pii.current.key", NEW_KEY))) {
            var read = operator(after).customers().getCustomer(customer);
            assertThat(read.getPhone()).isEqualTo("06-1234-5678");
            assertThat(read.getAddresses()).containsExactly(HOME);
            for (UUID id : List.of(merchant, plainMerchant)) {
                Merchant readMerchant = operator(after).merchants().getMerchant(id);
                assertThat(readMerchant.getContact().getPhone()).isEqualTo("+81 6-1234-5678");
                assertThat(readMerchant.getAddress()).isEqualTo(MERCHANT_ADDRESS);
            }
            operator(after).webhookEndpoints().pingWebhookEndpoint(endpoint);
            Await.until(Duration.ofSeconds(20), "the ping arrives",
                    () -> !receiver.findAll(postRequestedFor(urlEqualTo("/hooks"))).isEmpty());
            LoggedRequest ping = receiver.findAll(postRequestedFor(urlEqualTo("/hooks"))).getFirst();
            Map<String, List<String>> headers = ping.getHeaders().all().stream()
                    .collect(Collectors.toMap(HttpHeader::key, HttpHeader::values, (x, y) -> x));
            for (String secret : List.of(currentSecret, previousSecret)) { // both sign during the grace period
                Webhooks.verify(ping.getBodyAsString(), headers, secret);
            }
        }
    }

    private static List<String> webhookKeyIdsOf(MarketplaceServer server, UUID endpoint) {
        var row = server.database().dsl().selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.eq(endpoint)).fetchSingle();
        return Arrays.asList(row.getSecretKeyId(), row.getPreviousSecretKeyId());
    }

    private static final MerchantAddress MERCHANT_ADDRESS = new MerchantAddress().country("JP").postalCode("530-0001")
            .region("Osaka").locality("Kita-ku").line1("Umeda 1-1").line2("Tower 3F");

    private static MerchantApplication merchantApplication(MarketplaceServer server) throws Exception {
        UUID category = operator(server).categories().createCategory(new CategoryCreate().name("Knives")
                .commissionRateBasisPoints(1000)).getId();
        return new MerchantApplication().legalName("Sealed Knives KK")
                .contact(new MerchantContact().name("Sato Ken").email("ken@knives.example").phone("+81 6-1234-5678"))
                .address(MERCHANT_ADDRESS).yearsInBusiness(10).categoryId(category).plan("standard")
                .deposit(new Money().amount(500_000L).currency("JPY"));
    }

    /** A merchant row as V3 stored it, phone and address in plain columns, the way rows from before V16 look. */
    private static UUID insertMerchantAsWrittenBeforeV16(MarketplaceServer server) {
        UUID id = UUID.randomUUID();
        var db = server.database().dsl();
        db.insertInto(MERCHANT)
                .set(MERCHANT.ID, id).set(MERCHANT.LEGAL_NAME, "Old Plain Row KK")
                .set(MERCHANT.CONTACT_NAME, "Sato Ken").set(MERCHANT.CONTACT_EMAIL, "old@knives.example")
                .set(MERCHANT.CONTACT_PHONE, "+81 6-1234-5678")
                .set(MERCHANT.ADDRESS_COUNTRY, MERCHANT_ADDRESS.getCountry())
                .set(MERCHANT.ADDRESS_POSTAL_CODE, MERCHANT_ADDRESS.getPostalCode())
                .set(MERCHANT.ADDRESS_REGION, MERCHANT_ADDRESS.getRegion())
                .set(MERCHANT.ADDRESS_LOCALITY, MERCHANT_ADDRESS.getLocality())
                .set(MERCHANT.ADDRESS_LINE1, MERCHANT_ADDRESS.getLine1())
                .set(MERCHANT.ADDRESS_LINE2, MERCHANT_ADDRESS.getLine2())
                .set(MERCHANT.YEARS_IN_BUSINESS, 10)
                .set(MERCHANT.CATEGORY_ID, db.select(MERCHANT.CATEGORY_ID).from(MERCHANT).limit(1).fetchOne().value1())
                .set(MERCHANT.PLAN_CODE, "standard")
                .set(MERCHANT.PLAN_MONTHLY_FEE_AMOUNT, 50_000L).set(MERCHANT.PLAN_MONTHLY_FEE_CURRENCY, "JPY")
                .set(MERCHANT.DEPOSIT_AMOUNT, 500_000L).set(MERCHANT.DEPOSIT_CURRENCY, "JPY")
                .set(MERCHANT.STATUS, "pending")
                .execute();
        return id;
    }

    private static String merchantKeyIdOf(MarketplaceServer server, UUID merchant) {
        return server.database().dsl().select(MERCHANT.PII_KEY_ID).from(MERCHANT).where(MERCHANT.ID.eq(merchant)).fetchOne().value1();
    }

    private static MarketplaceServer start(Map<String, String> base, Map<String, String> keys) {
        Map<String, String> settings = new HashMap<>(base);
        settings.putAll(keys);
        return MarketplaceServer.start(TestServer.config(settings), new RecordingMailSender());
    }

    private static String keyIdOf(MarketplaceServer server, UUID customer) {
        return server.database().dsl().select(CUSTOMER.PII_KEY_ID).from(CUSTOMER).where(CUSTOMER.ID.eq(customer)).fetchOne().value1();
    }

    private static MarketplaceClient operator(MarketplaceServer server) {
        URI uri = URI.create("http://127.0.0.1:" + server.port());
        return TestServer.clientWithToken(uri, TestServer.token(uri, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET));
    }

    private static MarketplaceClient storefront(MarketplaceServer server) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.port());
        UUID shop = operator(server).clients().registerStorefront(new StorefrontCreate().name("Shop")).getId();
        ClientCredentials created = operator(server).clients().createClient(new ClientCreate().name("Shop")
                .principalType(PrincipalType.STOREFRONT).principalId(shop)
                .scopes(List.of(Scope.CUSTOMERS_REGISTER)));
        return TestServer.clientWithToken(uri, TestServer.token(uri, created.getClient().getClientId(), created.getClientSecret()));
    }
}
