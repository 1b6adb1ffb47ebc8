package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The platform's error handling on a bare server with routes that fail the ways real code fails:
 * a bug must answer 500 without leaking its message, a lost database or a deadlock 503 with Retry-After.
 */
class ErrorHandlingIT {

    private static final String SECRET = "password=hunter2 at jdbc:postgresql://10.0.0.5/prod";
    private static WebServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        ErrorHandling errors = new ErrorHandling(ApiRoutes.fromClasspathRoutes());
        HttpRouting.Builder routing = HttpRouting.builder().addFilter(new RequestIds());
        errors.register(routing);
        routing.get("/v1/bug", (req, res) -> {
            throw new IllegalStateException(SECRET);
        });
        routing.get("/v1/database-gone", (req, res) -> {
            throw new org.jooq.exception.DataAccessException("pool", new SQLTransientConnectionException(SECRET));
        });
        routing.get("/v1/deadlock", (req, res) -> {
            throw new org.jooq.exception.DataAccessException("update", new SQLException("deadlock detected", "40P01"));
        });
        server = WebServer.builder().port(0).host("127.0.0.1").directHandlers(errors.directHandlers())
                .routing(routing).build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void anUnexpectedExceptionIs500WithoutInternals() throws Exception {
        HttpResponse<String> response = get("/v1/bug");
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(response.body()).contains("\"code\":\"internal_error\"").doesNotContain("hunter2", "10.0.0.5",
                "IllegalStateException");
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(response.body()).contains("\"requestId\":\"" + requestId + "\"");
    }

    @Test
    void aLostDatabaseIs503WithRetryAfter() throws Exception {
        HttpResponse<String> response = get("/v1/database-gone");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(response.body()).contains("\"code\":\"service_unavailable\"").doesNotContain("hunter2");
    }

    @Test
    void aDeadlockIs503WithRetryAfterNot500() throws Exception {
        HttpResponse<String> response = get("/v1/deadlock");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(response.body()).contains("\"code\":\"service_unavailable\"").doesNotContain("deadlock detected", "40P01");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
