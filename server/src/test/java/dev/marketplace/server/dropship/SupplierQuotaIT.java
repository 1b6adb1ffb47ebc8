package dev.marketplace.server.dropship;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.marketplace.sdk.api.DropshipApi;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipConnectionCreate;
import dev.marketplace.sdk.model.DropshipQuotaSetting;
import dev.marketplace.sdk.model.DropshipConnectorKind;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipPricingRule;
import dev.marketplace.sdk.model.DropshipSyncRun;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection's own supplier quota (issue 18): three calls an hour, counted in the database. The gauge on the
 * connection shows the calls left; a sync with none left makes no call and fails with the wait, and the window's end
 * gives the calls back.
 */
class SupplierQuotaIT {

    private static final MovableClock clock = new MovableClock();
    private static final WireMockServer supplier = LoopbackWireMock.started();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(clock)
            .with("dropship.jobs.sweep", "PT1H") // the test syncs itself
            .with("outbound.defaults.timeout", "PT30S") // a timed-out attempt on a loaded machine would spend a call
            .with("dropship.require-https", "false")
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32");

    @AfterAll
    static void stop() {
        supplier.stop();
    }

    @Test
    void noCallBeyondTheQuotaUntilItsWindowEnds() throws Exception {
        supplier.stubFor(post(urlPathEqualTo("/v1/authentication/getAccessToken")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"accessToken": "tok", "accessTokenExpiryDate": "2099-01-01T00:00:00Z"}}""")));
        supplier.stubFor(get(urlPathEqualTo("/v1/product/stock")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"total": 0, "list": [], "serverTime": "2026-12-01T00:00:00Z"}}""")));
        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Kitchen")
                .commissionRateBasisPoints(1000)).getId();
        TestCatalog.ActiveMerchant merchant = new TestCatalog(server).activeMerchant("Counted Calls KK", category);
        DropshipApi dropship = merchant.client().dropship();
        DropshipConnection connection = dropship.createDropshipConnection(new DropshipConnectionCreate().name("CJ")
                .kind(DropshipConnectorKind.REST).baseUrl(supplier.baseUrl()).apiKey("key").currency("JPY")
                .pricing(new DropshipPricingRule().markupBasisPoints(15_000)).forwarding(DropshipForwarding.AUTOMATIC)
                .defaultCategoryId(category).quota(new DropshipQuotaSetting().calls(3).windowSeconds(3600)));
        assertThat(connection.getQuota().getRemaining()).isEqualTo(3);
        assertThat(connection.getQuota().getWindowEndsAt()).as("no window runs before the first call").isNull();

        // The first sync signs in and reads one page (two calls), the second reads one page with the kept token.
        DropshipSyncRun first = dropship.syncDropshipConnection(connection.getId());
        assertThat(first.getOutcome()).as("sync error: %s", first.getError()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(dropship.getDropshipConnection(connection.getId()).getQuota().getRemaining()).isEqualTo(1);
        assertThat(dropship.syncDropshipConnection(connection.getId()).getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        DropshipConnection usedUp = dropship.getDropshipConnection(connection.getId());
        assertThat(usedUp.getQuota().getRemaining()).isZero();
        assertThat(usedUp.getQuota().getWindowEndsAt()).isNotNull();

        DropshipSyncRun refused = dropship.syncDropshipConnection(connection.getId());
        assertThat(refused.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.FAILED);
        assertThat(refused.getError()).contains("quota");
        supplier.verify(2, getRequestedFor(urlPathEqualTo("/v1/product/stock")));
        // The quota as an exported metric: three calls taken, and the refused one, for this connection.
        String metrics = server.send(server.request("/observe/metrics").header("Accept", "text/plain").GET().build())
                .body();
        assertThat(metrics)
                .containsPattern("(?m)^dropship_quota_calls_total\\{(?=[^}]*connection=\"" + connection.getId()
                        + "\")(?=[^}]*outcome=\"taken\")[^}]*} 3(\\.0)?$")
                .containsPattern("(?m)^dropship_quota_calls_total\\{(?=[^}]*connection=\"" + connection.getId()
                        + "\")(?=[^}]*outcome=\"used_up\")[^}]*} [1-9][0-9]*(\\.0)?$");

        clock.advance(Duration.ofHours(1));
        assertThat(dropship.getDropshipConnection(connection.getId()).getQuota().getRemaining()).isEqualTo(3);
        assertThat(dropship.syncDropshipConnection(connection.getId()).getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        assertThat(dropship.getDropshipConnection(connection.getId()).getQuota().getRemaining()).isEqualTo(2);
        supplier.verify(3, getRequestedFor(urlPathEqualTo("/v1/product/stock")));
    }
}
