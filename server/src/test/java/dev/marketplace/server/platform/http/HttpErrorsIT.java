package dev.marketplace.server.platform.http;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.RawHttp;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every kind of bad request gets a problem+json answer with a stable code, and changes nothing. */
class HttpErrorsIT {

    private static final int MAX_PAYLOAD = 4096;

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("server.max-payload-size", String.valueOf(MAX_PAYLOAD))
            .with("http.body.timeout", "PT1S");

    private int categoriesBefore;

    @BeforeEach
    void countRows() {
        categoriesBefore = server.db().fetchCount(CATALOG_CATEGORY);
    }

    @AfterEach
    void nothingChanged() {
        assertThat(server.db().fetchCount(CATALOG_CATEGORY)).as("rows after a refused request").isEqualTo(categoriesBefore);
    }

    @Test
    void unknownPathIs404() {
        HttpResponse<String> response = server.send(server.request("/v1/no-such-thing").GET().build());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(problem(response).getString("code")).isEqualTo("not_found");
        assertThat(problem(response).getString("instance")).isEqualTo("/v1/no-such-thing");
    }

    @Test
    void wrongMethodIs405WithAllow() {
        HttpResponse<String> response = server.send(server.request("/v1/categories").header("Content-Type", "application/json").PUT(json("{}")).build());
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).contains("GET, POST");
        assertThat(problem(response).getString("code")).isEqualTo("method_not_allowed");

        HttpResponse<String> onItem = server.send(server.request("/v1/categories/" + UUID.randomUUID() + "/move")
                .GET().build());
        assertThat(onItem.statusCode()).isEqualTo(405);
        assertThat(onItem.headers().firstValue("Allow")).contains("POST");
    }

    @Test
    void malformedJsonIs400() {
        for (String body : new String[] {"{\"name\":", "[1,2]", "\"text\"", "{\"name\":\"a\",\"name\":\"b\",\"commissionRateBasisPoints\":1}", "",
                "{\"name\":\"a\",\"commissionRateBasisPoints\":1} trailing", "{\"name\":\"a\",\"commissionRateBasisPoints\":1}{}"}) {
            HttpResponse<String> response = server.send(server.request("/v1/categories").header("Content-Type", "application/json").POST(json(body)).build());
            assertThat(response.statusCode()).as("status for body %s", body).isEqualTo(400);
            assertThat(problem(response).getString("code")).as("code for body %s", body).isEqualTo("malformed_json");
        }
    }

    @Test
    void wrongContentTypeIs415() {
        for (String contentType : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/jsonx"}) {
            HttpResponse<String> response = server.send(server.request("/v1/categories")
                    .header("Content-Type", contentType)
                    .POST(BodyPublishers.ofString("{\"name\":\"x\",\"commissionRateBasisPoints\":1}")).build());
            assertThat(response.statusCode()).as("status for %s", contentType).isEqualTo(415);
            assertThat(problem(response).getString("code")).isEqualTo("unsupported_media_type");
        }
        HttpResponse<String> missing = server.send(server.request("/v1/categories")
                .POST(BodyPublishers.ofString("{}")).build());
        assertThat(missing.statusCode()).isEqualTo(415);
    }

    @Test
    void jsonWithACharsetParameterIsAccepted() {
        HttpResponse<String> response = server.send(server.request("/v1/categories")
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(BodyPublishers.ofString("{\"name\":\"Charset " + UUID.randomUUID() + "\",\"commissionRateBasisPoints\":1}"))
                .build());
        assertThat(response.statusCode()).isEqualTo(201);
        categoriesBefore++;
    }

    @Test
    void oversizedBodyIs413WithContentLength() {
        byte[] body = oversizedJson();
        RawHttp.Response response = RawHttp.exchange(server.baseUri().getPort(), "POST", "/v1/categories",
                "POST /v1/categories HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length, body);
        assertThat(response.status()).isEqualTo(413);
        assertThat(problemOf(response.body()).getString("code")).isEqualTo("payload_too_large");
    }

    @Test
    void oversizedChunkedBodyIs413() {
        byte[] body = oversizedJson();
        String chunked = Integer.toHexString(body.length) + "\r\n" + new String(body, StandardCharsets.UTF_8) + "\r\n0\r\n\r\n";
        RawHttp.Response response = RawHttp.exchange(server.baseUri().getPort(), "POST", "/v1/categories",
                "POST /v1/categories HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
                        + "\r\nAuthorization: Bearer " + server.operatorToken(),
                chunked.getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).isEqualTo(413);
        assertThat(problemOf(response.body()).getString("code")).isEqualTo("payload_too_large");
    }

    @Test
    void aClientThatStopsSendingMidBodyIsCutOff() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.baseUri().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/categories HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + server.operatorToken() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"name\":").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            long started = System.nanoTime();
            byte[] answer = socket.getInputStream().readAllBytes(); // returns when the server closes the connection
            long seconds = (System.nanoTime() - started) / 1_000_000_000;
            assertThat(seconds).as("the stalled request holds its connection only about the body timeout").isLessThan(5);
            String text = new String(answer, StandardCharsets.UTF_8);
            assertThat(text.isEmpty() || text.startsWith("HTTP/1.1 4") || text.startsWith("HTTP/1.1 5"))
                    .as("closed, or answered with an error: %s", text).isTrue();
        }
    }

    @Test
    void brokenHttpIs400ProblemJson() {
        RawHttp.Response response = RawHttp.exchange(server.baseUri().getPort(), "GET", "/",
                "GARBAGE\r\nHost: localhost", new byte[0]);
        assertThat(response.status()).isEqualTo(400);
        assertThat(problemOf(response.body()).getString("code")).isEqualTo("bad_request");
    }

    @Test
    void invalidQueryParametersAre400WithOneErrorEach() {
        HttpResponse<String> response = server.send(server.request("/v1/categories?limit=0&parentId=nope&cursor=%21%21&colour=red")
                .GET().build());
        assertThat(response.statusCode()).isEqualTo(400);
        JsonObject problem = problem(response);
        assertThat(problem.getString("code")).isEqualTo("validation_failed");
        assertThat(problem.getJsonArray("errors").getValuesAs(JsonObject.class))
                .extracting(error -> error.getString("field") + ":" + error.getString("code"))
                .containsExactlyInAnyOrder("colour:unknown_field", "limit:out_of_range", "parentId:invalid_format",
                        "cursor:invalid_format");
    }

    @Test
    void wrongTypesAndUnknownFieldsAreNamed() {
        HttpResponse<String> response = server.send(server.request("/v1/categories")
                .header("Content-Type", "application/json").POST(json("{\"name\":42,\"commissionRateBasisPoints\":1.5,\"parentId\":\"x\",\"colour\":\"red\"}")).build());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(problem(response).getJsonArray("errors").getValuesAs(JsonObject.class))
                .extracting(error -> error.getString("field") + ":" + error.getString("code"))
                .containsExactlyInAnyOrder("colour:unknown_field", "name:invalid_type",
                        "commissionRateBasisPoints:invalid_type", "parentId:invalid_format");
    }

    @Test
    void hugeNumbersAreOutOfRangeNotErrors() {
        HttpResponse<String> response = server.send(server.request("/v1/categories")
                .header("Content-Type", "application/json").POST(json("{\"name\":\"n\",\"commissionRateBasisPoints\":1e400}")).build());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(problem(response).getJsonArray("errors").getJsonObject(0).getString("code")).isEqualTo("out_of_range");
    }

    @Test
    void malformedIfMatchIsRefused() {
        HttpResponse<String> response = server.send(server.request("/v1/categories/" + UUID.randomUUID())
                .header("If-Match", "W/\"1\"").method("DELETE", BodyPublishers.noBody()).build());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(problem(response).getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("If-Match");
    }

    @Test
    void requestIdIsEchoedWhenWellFormedAndReplacedOtherwise() {
        HttpResponse<String> echoed = server.send(server.request("/v1/categories")
                .header("X-Request-Id", "erp-sync-0001").GET().build());
        assertThat(echoed.headers().firstValue("X-Request-Id")).contains("erp-sync-0001");

        HttpResponse<String> replaced = server.send(server.request("/v1/categories/" + UUID.randomUUID())
                .header("X-Request-Id", "bad id with spaces").GET().build());
        String id = replaced.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(id).isNotEqualTo("bad id with spaces");
        assertThat(problem(replaced).getString("requestId")).isEqualTo(id);
    }

    private static HttpRequest.BodyPublisher json(String body) {
        return BodyPublishers.ofString(body);
    }

    private static byte[] oversizedJson() {
        return ("{\"name\":\"" + "x".repeat(MAX_PAYLOAD * 2) + "\",\"commissionRateBasisPoints\":1}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static JsonObject problem(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        return problemOf(response.body());
    }

    private static JsonObject problemOf(String body) {
        return Json.createReader(new StringReader(body)).readObject();
    }
}
