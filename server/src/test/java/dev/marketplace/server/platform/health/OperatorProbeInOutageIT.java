package dev.marketplace.server.platform.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.RecordingMailSender;
import dev.marketplace.server.testing.TcpProxy;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Decision 146: the probes in a database outage, called with an operator token this node has not verified yet while
 * its signing keys are due to be re-read (a database read). Every probe answers its Health document as the contract
 * says (the anonymous one: the token cannot be checked), never a 503 problem document; once the database answers
 * again, the same token sees the checks.
 */
class OperatorProbeInOutageIT {

    private final HttpClient http = ValidatingHttpClient.create();

    @Test
    void probesAnswerTheirHealthDocumentWhenTheOperatorTokenNeedsTheKeysReRead() throws Exception {
        MovableClock wallClock = new MovableClock();
        try (TcpProxy proxy = TcpProxy.forDatabase(TestDatabases.newDatabase())) {
            Map<String, String> settings = Map.of("server.port", "0", "server.host", "127.0.0.1",
                    "db.url", proxy.jdbcUrl(),
                    "db.connection.timeout", "PT1S",
                    "data.dir", System.getProperty("java.io.tmpdir") + "/probe-outage-" + UUID.randomUUID());
            try (MarketplaceServer node = MarketplaceServer.start(TestServer.config(settings), new RecordingMailSender(),
                    Clock.systemUTC(), wallClock)) {
                URI base = URI.create("http://127.0.0.1:" + node.port());
                // Issued, never verified here: verifying it needs the signing keys.
                String cold = TestServer.token(base, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
                // Past the keys' one-minute refresh (the token lives ten): verifying it now re-reads them first.
                wallClock.advance(Duration.ofMinutes(2));

                proxy.cut();
                assertHealth(get(base, cold, "/observe/health/ready"), 503, "{\"status\":\"DOWN\"}");
                assertHealth(get(base, cold, "/observe/health"), 503, "{\"status\":\"DOWN\"}");
                assertHealth(get(base, cold, "/observe/health/live"), 200, "{\"status\":\"UP\"}");

                proxy.restore();
                Await.until(Duration.ofSeconds(30), "the operator sees the checks again", () -> {
                    HttpResponse<String> ready = get(base, cold, "/observe/health/ready");
                    return ready.statusCode() == 200 && ready.body().contains("\"checks\"");
                });
            }
        }
    }

    private static void assertHealth(HttpResponse<String> response, int status, String body) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(response.body()).isEqualTo(body);
    }

    private HttpResponse<String> get(URI base, String token, String path) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
