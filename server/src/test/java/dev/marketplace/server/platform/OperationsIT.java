package dev.marketplace.server.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.model.Health;
import dev.marketplace.sdk.model.HealthChecksInner;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Health, metrics and the OpenAPI document, as a load balancer, Prometheus and an integrator read them. */
class OperationsIT {

    @RegisterExtension
    static final TestServer server = new TestServer().with("db.connection.timeout", "PT0.5S");

    @Test
    void healthReportsTheDatabase() throws Exception {
        Health ready = server.client().operations().getReadiness();
        assertThat(ready.getStatus()).isEqualTo(Health.StatusEnum.UP);
        assertThat(ready.getChecks()).anySatisfy(check -> assertThat(check.getName()).isEqualTo("database"));
        assertThat(ready.getChecks()).anySatisfy(check -> {
            assertThat(check.getName()).isEqualTo("searchIndex");
            assertThat(check.getStatus()).isEqualTo(HealthChecksInner.StatusEnum.UP);
        });

        assertThat(server.client().operations().getLiveness().getStatus()).isEqualTo(Health.StatusEnum.UP);
        assertThat(server.client().operations().getHealth().getStatus()).isEqualTo(Health.StatusEnum.UP);
    }

    @Test
    void anAnonymousCallerLearnsTheStatusButNoDetails() {
        for (String path : new String[] {"/observe/health", "/observe/health/live", "/observe/health/ready"}) {
            HttpResponse<String> anonymous = server.send(server.anonymousRequest(path).GET().build());
            assertThat(anonymous.statusCode()).as(path).isEqualTo(200);
            assertThat(anonymous.body()).as(path).isEqualTo("{\"status\":\"UP\"}");

            HttpResponse<String> forgedToken = server.send(server.anonymousRequest(path)
                    .header("Authorization", "Bearer not-a-token").GET().build());
            assertThat(forgedToken.body()).as(path).isEqualTo("{\"status\":\"UP\"}");
        }
        HttpResponse<String> operator = server.send(server.request("/observe/health").GET().build());
        assertThat(operator.body()).contains("\"checks\"").contains("\"database\"").contains("\"diskSpace\"")
                .contains("\"heapMemory\"").contains("\"data\"");
    }

    @Test
    void readinessAndApiAnswer503WhileTheDatabaseIsUnreachableAndRecover() {
        String database = server.databaseName();
        TestDatabases.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
        TestDatabases.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
        try {
            HttpResponse<String> readiness = server.send(server.request("/observe/health/ready").GET().build());
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains("\"DOWN\"");

            HttpResponse<String> api = server.send(server.request("/v1/categories").GET().build());
            assertThat(api.statusCode()).isEqualTo(503);
            assertThat(api.body()).contains("service_unavailable");
            assertThat(api.headers().firstValue("Retry-After")).isPresent();
        } finally {
            TestDatabases.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        }
        // The pool reconnects in the background: wait for it rather than for a fixed time.
        Await.until(Duration.ofSeconds(30), "the server is ready again",
                () -> server.send(server.request("/observe/health/ready").GET().build()).statusCode() == 200);
        // Requests are refused at once for a second after an outage was found, then the pool is tried again.
        Await.until(Duration.ofSeconds(30), "the API answers again",
                () -> server.send(server.request("/v1/categories").GET().build()).statusCode() == 200);
    }

    @Test
    void metricsAreInPrometheusTextFormat() {
        server.send(server.request("/v1/categories").GET().build());
        HttpResponse<String> metrics = server.send(server.request("/observe/metrics")
                .header("Accept", "text/plain").GET().build());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(metrics.body()).contains("# TYPE ").containsPattern("(?m)^jvm_uptime_seconds\\{.*} [0-9.E]+$");
    }

    @Test
    void servesItsOpenApiDocument() {
        HttpResponse<String> yaml = server.send(server.request("/openapi").GET().build());
        assertThat(yaml.statusCode()).isEqualTo(200);
        assertThat(yaml.body()).contains("operationId: createCategory").contains("openapi: 3.0.3");

        HttpResponse<String> json = server.send(server.request("/openapi").header("Accept", "application/json").GET().build());
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).contains("\"operationId\"");
    }
}
