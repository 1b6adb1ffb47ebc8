package dev.marketplace.server.dropship;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.marketplace.schema.Tables.DROPSHIP_CONNECTION;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipConnectionCreate;
import dev.marketplace.sdk.model.DropshipConnectorKind;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipPricingRule;
import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.SecretBox;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.RecordingMailSender;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A personal-data key rotation re-seals supplier credentials too (job {@code dropship.personal-data-resealing}, as
 * customers, merchants and webhook secrets): a node with k2 current and k1 listed as previous re-seals the connection's
 * API key under k2, and a node that knows only k2 still signs in at the supplier with it.
 */
class CredentialResealingIT {

    private static final String OLD_KEY = SecretBox.newBase64Key();
    private static final String NEW_KEY = SecretBox.newBase64Key();
    private static final WireMockServer supplier = LoopbackWireMock.started();

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("security.pii.current.id", "k1").with("security.pii.current.key", OLD_KEY)
            .with("dropship.jobs.sweep", "PT1H") // no scheduled sync: the test's own call is the one observed
            .with("dropship.require-https", "false")
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32");

    @AfterAll
    static void stop() {
        supplier.stop();
    }

    @Test
    void theApiKeyIsResealedUnderTheNewKeyAndStillSignsIn() throws Exception {
        supplier.stubFor(post(urlPathEqualTo("/v1/authentication/getAccessToken")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"accessToken": "tok", "accessTokenExpiryDate": "2099-01-01T00:00:00Z"}}""")));
        supplier.stubFor(get(urlPathEqualTo("/v1/product/stock")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"total": 0, "list": []}}""")));
        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Kitchen")
                .commissionRateBasisPoints(1000)).getId();
        TestCatalog.ActiveMerchant merchant = new TestCatalog(server).activeMerchant("Sealed Supplies KK", category);
        DropshipConnection connection = merchant.client().dropship().createDropshipConnection(
                new DropshipConnectionCreate().name("CJ").kind(DropshipConnectorKind.REST).baseUrl(supplier.baseUrl())
                        .apiKey("supplier-api-key-7").currency("JPY")
                        .pricing(new DropshipPricingRule().markupBasisPoints(15_000))
                        .forwarding(DropshipForwarding.AUTOMATIC).defaultCategoryId(category));
        assertThat(keyIdOf(connection.getId())).isEqualTo("k1");

        try (MarketplaceServer rotating = start(Map.of("security.pii.current.id", "k2", "security.pii.current.key", NEW_KEY,
                "security.pii.previous.keys.k1", OLD_KEY))) {
            Await.until(Duration.ofSeconds(20), "the credentials re-sealed under k2",
                    () -> "k2".equals(keyIdOf(connection.getId())));
        }
        try (MarketplaceServer after = start(Map.of("security.pii.current.id", "k2", "security.pii.current.key", NEW_KEY))) {
            DropshipService service = after.module(DropshipModule.class).orElseThrow().service();
            Principal owner = new Principal(PrincipalType.MERCHANT, merchant.merchant().getId(), null, Set.of());
            assertThat(service.syncNow(owner, connection.getId()).outcome()).isEqualTo("succeeded");
        }
        supplier.verify(postRequestedFor(urlPathEqualTo("/v1/authentication/getAccessToken"))
                .withRequestBody(equalToJson("{\"apiKey\": \"supplier-api-key-7\"}")));
    }

    private static MarketplaceServer start(Map<String, String> keys) {
        Map<String, String> settings = new HashMap<>(keys);
        settings.put("server.port", "0");
        settings.put("server.host", "127.0.0.1");
        settings.put("db.url", server.databaseUrl());
        settings.put("data.dir", System.getProperty("java.io.tmpdir") + "/dropship-resealing-" + UUID.randomUUID());
        settings.put("dropship.jobs.sweep", "PT1H");
        settings.put("dropship.require-https", "false");
        settings.put("outbound.allowed-private-networks.0", "127.0.0.1/32");
        return MarketplaceServer.start(TestServer.config(settings), new RecordingMailSender());
    }

    private static String keyIdOf(UUID connection) {
        return server.db().select(DROPSHIP_CONNECTION.CREDENTIALS_KEY_ID).from(DROPSHIP_CONNECTION)
                .where(DROPSHIP_CONNECTION.ID.eq(connection)).fetchSingle().value1();
    }
}
