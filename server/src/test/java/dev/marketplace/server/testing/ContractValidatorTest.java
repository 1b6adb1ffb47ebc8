package dev.marketplace.server.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract check must be able to fail, or every integration test's validation would be hollow. */
class ContractValidatorTest {

    private static final ContractValidator validator = ContractValidator.instance();
    private static final URI CATEGORY = URI.create("http://localhost/v1/categories/7b0e3c56-33f5-4c55-9a4a-6a3a2f1f2a10");
    private static final String VALID = """
            {"id":"7b0e3c56-33f5-4c55-9a4a-6a3a2f1f2a10","name":"Tea","commissionRateBasisPoints":800,"depth":0,
             "version":1,"createdAt":"2026-11-22T00:00:00Z","updatedAt":"2026-11-22T00:00:00Z"}""";

    @Test
    void acceptsAConformingResponse() {
        assertThatCode(() -> validator.validate("GET", CATEGORY, 200, headers("application/json"), bytes(VALID)))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsABodyThatBreaksTheSchema() {
        String missingId = VALID.replace("\"id\":\"7b0e3c56-33f5-4c55-9a4a-6a3a2f1f2a10\",", "");
        assertThatThrownBy(() -> validator.validate("GET", CATEGORY, 200, headers("application/json"), bytes(missingId)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("id");
        String floatRate = VALID.replace("800", "8.5");
        assertThatThrownBy(() -> validator.validate("GET", CATEGORY, 200, headers("application/json"), bytes(floatRate)))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void rejectsAnUndocumentedStatus() {
        assertThatThrownBy(() -> validator.validate("GET", CATEGORY, 418, headers("application/problem+json"),
                bytes("{\"type\":\"t\",\"title\":\"t\",\"status\":418,\"code\":\"teapot\",\"requestId\":\"r\"}")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("418");
    }

    @Test
    void rejectsErrorsThatAreNotProblemDocuments() {
        assertThatThrownBy(() -> validator.validate("GET", URI.create("http://localhost/nowhere"), 404,
                headers("text/plain"), bytes("Endpoint not found")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Content-Type");
    }

    @Test
    void rejectsAResponseWithoutRequestId() {
        HttpHeaders noId = HttpHeaders.of(Map.of("Content-Type", List.of("application/json")), (a, b) -> true);
        assertThatThrownBy(() -> validator.validate("GET", CATEGORY, 200, noId, bytes(VALID)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("X-Request-Id");
    }

    private static HttpHeaders headers(String contentType) {
        return HttpHeaders.of(Map.of("Content-Type", List.of(contentType), "X-Request-Id", List.of("test-request-1")),
                (a, b) -> true);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
