package dev.marketplace.server.customers;

import static dev.marketplace.schema.Tables.CUSTOMER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.CustomerAddress;
import dev.marketplace.sdk.model.CustomerRegistration;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.platform.security.SecretBox;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.RecordingMailSender;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Rotating the key that seals personal data: a node started with a new current key and the old one listed as
 * previous re-seals every row under the new key by itself, after which the old key can be dropped.
 */
class PiiKeyRotationIT {

    private static final String OLD_KEY = SecretBox.newBase64Key();
    private static final String NEW_KEY = SecretBox.newBase64Key();
    private static final CustomerAddress HOME = new CustomerAddress().postalCode("530-0001").country("JP")
            .region("大阪府").city("大阪市北区").line1("梅田1-1");

    @Test
    void personalDataIsResealedUnderTheNewKeyAndStaysReadable() throws Exception {
        String databaseUrl = TestDatabases.newDatabase();
        Map<String, String> base = Map.of("server.port", "0", "server.host", "127.0.0.1", "db.url", databaseUrl,
                "data.dir", System.getProperty("java.io.tmpdir") + "/pii-rotation-" + UUID.randomUUID());
        UUID customer;
        try (MarketplaceServer before = start(base, Map.of("security.pii.current.id", "k1", "security.pii.current.key", OLD_KEY))) {
            MarketplaceClient storefront = storefront(before);
            customer = storefront.customers().registerCustomer(new CustomerRegistration().email("rotate@example.jp")
                    .password("long enough password").name("Rotating").phone("06-1234-5678").addresses(List.of(HOME)), null).getId();
            assertThat(keyIdOf(before, customer)).isEqualTo("k1");
        }
        try (MarketplaceServer rotating = start(base, Map.of("security.pii.current.id", "k2", "security.pii.current.key", NEW_KEY,
                "security.pii.previous.keys.k1", OLD_KEY))) {
            Await.until(Duration.ofSeconds(20), "personal data re-sealed under k2", () -> "k2".equals(keyIdOf(rotating, customer)));
        }
        try (MarketplaceServer after = start(base, Map.of("security.pii.current.id", "k2", "security.pii.current.key", NEW_KEY))) {
            var read = operator(after).customers().getCustomer(customer);
            assertThat(read.getPhone()).isEqualTo("06-1234-5678");
            assertThat(read.getAddresses()).containsExactly(HOME);
        }
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
        ClientCredentials created = operator(server).clients().createClient(new ClientCreate().name("Shop")
                .principalType(PrincipalType.STOREFRONT).principalId(UUID.randomUUID())
                .scopes(List.of(Scope.CUSTOMERS_REGISTER)), null);
        return TestServer.clientWithToken(uri, TestServer.token(uri, created.getClient().getClientId(), created.getClientSecret()));
    }
}
