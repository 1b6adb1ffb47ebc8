package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Admission at the door (decision 92) on a real server whose door lets four requests in: two expensive reads held on
 * a PostgreSQL lock fill the half of the door the expensive may take; a third is shed with 503 problem+json and
 * {@code Retry-After} while a cached listing read and the operator's health, metrics and token requests are served.
 * No timing: the held requests are seen in the door's own gauge.
 */
class AdmissionIT {

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("http.admission.in.flight", "4")
            .with("http.admission.queue.length", "0");

    private static final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    private static Product sencha;

    @BeforeAll
    static void aPublishedProduct() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        Category tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000));
        ActiveMerchant kyotoTea = catalog.activeMerchant("Kyoto Tea Co., Ltd.", tea.getId());
        sencha = catalog.published(kyotoTea, TestCatalog.product(tea.getId(), "Sencha", "ADM-SENCHA", 1_200, "JPY"));
    }

    @AfterAll
    static void stopRequests() {
        requests.close();
    }

    @Test
    void aCachedReadIsServedWhileTheDoorIsFullOfExpensiveRequestsAndOneMoreIsShed() throws Exception {
        String listing = "/v1/listings/" + sencha.getId();
        assertThat(get(listing).statusCode()).as("read once: kept in the listing cache").isEqualTo(200);
        String product = "/v1/products/" + sencha.getId(); // the operator's read: from PostgreSQL

        HttpResponse<String> shed;
        HttpResponse<String> cached;
        List<CompletableFuture<HttpResponse<String>>> held;
        try (Connection lock = server.dataSource().getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE product IN ACCESS EXCLUSIVE MODE");
            }
            held = List.of(CompletableFuture.supplyAsync(() -> get(product), requests),
                    CompletableFuture.supplyAsync(() -> get(product), requests));
            Await.until(Duration.ofSeconds(30), "both expensive reads are in the door",
                    () -> metric("http_admission_in_flight") == 2);

            shed = get(product);
            cached = get(listing);
            assertThat(get("/observe/health/ready").statusCode()).as("readiness is never held").isEqualTo(200);
            assertThat(server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET)).isNotBlank();
            assertThat(metric("http_admission_in_flight")).as("still full of the held ones").isEqualTo(2);
            lock.rollback();
        }

        assertThat(shed.statusCode()).as(shed.body()).isEqualTo(503);
        assertThat(shed.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(shed.headers().firstValue("Retry-After")).contains("1");
        assertThat(shed.body()).contains("\"code\":\"service_unavailable\"");
        assertThat(cached.statusCode()).as("the cached read is let in while the expensive ones fill their half")
                .isEqualTo(200);
        assertThat(cached.body()).contains(sencha.getId().toString());
        for (CompletableFuture<HttpResponse<String>> request : held) {
            assertThat(request.get().statusCode()).isEqualTo(200);
        }
        assertThat(metric("http_admission_shed_total", "class=\"other\"")).isEqualTo(1);
        assertThat(metric("http_admission_shed_total", "class=\"cached_read\"")).isZero();
        assertThat(get(product).statusCode()).as("served again once the door has room").isEqualTo(200);
    }

    private static HttpResponse<String> get(String path) {
        return server.send(server.request(path).GET().build());
    }

    /** A value on {@code /observe/metrics} (Prometheus text) of the line named so whose labels hold {@code tags}. */
    private static double metric(String name, String... tags) {
        HttpResponse<String> response = server.send(server.request("/observe/metrics")
                .header("Accept", "text/plain").GET().build());
        assertThat(response.statusCode()).as("metrics are never held").isEqualTo(200);
        Matcher line = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? ([-0-9.E+]+)$").matcher(response.body());
        while (line.find()) {
            String labels = line.group(1) == null ? "" : line.group(1);
            if (List.of(tags).stream().allMatch(labels::contains)) {
                return Double.parseDouble(line.group(2));
            }
        }
        throw new AssertionError("no " + name + " " + List.of(tags) + " in the metrics:\n" + response.body());
    }
}
