package dev.marketplace.server.platform.http;

import static dev.marketplace.schema.Tables.AUDIT_EVENT;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.schema.tables.records.AuditEventRecord;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.RawHttp;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Issue 12: one canonical path decides routing and authorization. Every operation of the OpenAPI document, sent
 * with every kind of path variant (trailing slash, matrix parameters, encoded slashes and dots, dot segments,
 * doubled slashes, other letter case, encoded letters, absolute form) and a token that lacks the operation's
 * scope, is refused before any handler runs: a route-level 404 (or Helidon's own 400 for what is not HTTP, or 403
 * where the variant is another operation's path), no row changed, and every refused write in the audit trail with
 * the path as it was sent.
 */
class CanonicalPathsIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    /** A scope no operation of the document requires, so the token lacks every operation's scope. */
    /** A scope no operation asks for: since the partners' operations (decision 37) every real scope is some operation's. */
    private static final String UNUSED_SCOPE = "unused:scope";
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final Pattern PARAMETER = Pattern.compile("\\{([^}]+)}");
    /** Tables a handler reached by any of these requests would write to. */
    private static final List<Table<?>> WATCHED_TABLES = List.of(
            dev.marketplace.schema.Tables.CATALOG_CATEGORY, dev.marketplace.schema.Tables.API_CLIENT,
            dev.marketplace.schema.Tables.MERCHANT, dev.marketplace.schema.Tables.PRODUCT,
            dev.marketplace.schema.Tables.STOCK_LOCATION, dev.marketplace.schema.Tables.STOCK_RESERVATION,
            dev.marketplace.schema.Tables.CUSTOMER, dev.marketplace.schema.Tables.CART,
            dev.marketplace.schema.Tables.CUSTOMER_ORDER, dev.marketplace.schema.Tables.PAYMENT,
            dev.marketplace.schema.Tables.ORDER_RETURN, dev.marketplace.schema.Tables.REVOKED_TOKEN,
            dev.marketplace.schema.Tables.AUTHORIZATION_REQUEST, dev.marketplace.schema.Tables.IDEMPOTENCY_RECORD);
    /** Bodies that the operation would accept, where a handler reached would show by creating a row. */
    private static final Map<String, String> VALID_BODIES = Map.of(
            "POST /v1/categories", "{\"name\":\"Sneaked in\",\"commissionRateBasisPoints\":900}");

    /** An operation of the document; public when its security lists no requirement or the empty one. */
    private record Operation(String method, String path, boolean isPublic) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private record Sent(Operation operation, String variant, String target, RawHttp.Response response) {
    }

    @Test
    void noPathVariantOfAnyOperationReachesAHandler() {
        ECKey key = TokenForge.activeKey(server.db());
        String token = TokenForge.sign(key, TokenForge.header(key).build(),
                TokenForge.operatorClaims().claim("scope", UNUSED_SCOPE).build());
        Map<Table<?>, Integer> rowsBefore = rowCounts();
        List<Sent> refused = new ArrayList<>();
        int operations = 0;

        for (Operation operation : documentedOperations()) {
            operations++;
            String method = operation.method();
            String canonical = filled(operation.path());
            String body = VALID_BODIES.getOrDefault(operation.toString(), "{}");
            if (!operation.isPublic()) {
                // The control: the canonical path reaches authorization, which refuses the token's scope.
                RawHttp.Response control = send(method, canonical, token, body);
                assertThat(control.status()).as("status of %s without its scope", operation).isEqualTo(403);
                assertThat(problem(control).getString("code")).isEqualTo("insufficient_scope");
            }
            for (Map.Entry<String, String> variant : variants(operation.path(), canonical).entrySet()) {
                RawHttp.Response response = send(method, variant.getValue(), token, body);
                String label = operation + " as " + variant.getKey() + ": " + variant.getValue();
                // 403: the variant is another operation's canonical path (/v1/products/CHANGES is a product id).
                assertThat(response.status()).as("status of %s", label).isIn(400, 403, 404, 405);
                JsonObject problem = problem(response);
                if (response.status() == 403) {
                    assertThat(problem.getString("code")).as("code of %s", label).isEqualTo("insufficient_scope");
                }
                if (response.status() == 404) {
                    // A handler's 404 names what it did not find; routing's names the path.
                    assertThat(problem.getString("detail")).as("detail of %s", label).startsWith("No resource at ");
                }
                if (response.status() == 400) {
                    // Helidon's own answer to a request line it cannot read, before routing.
                    assertThat(problem.getString("detail")).as("detail of %s", label)
                            .isEqualTo("The request is not valid HTTP or cannot be read.");
                }
                refused.add(new Sent(operation, variant.getKey(), variant.getValue(), response));
            }
        }

        assertThat(operations).as("operations in the document").isGreaterThan(90);
        assertThat(rowCounts()).as("rows after every variant was refused").isEqualTo(rowsBefore);
        assertRefusedWritesAreAudited(refused);
    }

    @Test
    void theIssuesExampleIsRefusedWithoutCreatingACategory() {
        String readOnly = server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET, "catalog:read");
        int before = server.db().fetchCount(dev.marketplace.schema.Tables.CATALOG_CATEGORY);
        String body = VALID_BODIES.get("POST /v1/categories");

        assertThat(send("POST", "/v1/categories", readOnly, body).status()).isEqualTo(403);
        for (String target : List.of("/v1/categories/", "/v1/categories;x", "/v1;x/categories", "/v1//categories",
                "/v1/./categories", "/%761/categories", "/v1/categories%2F")) {
            RawHttp.Response response = send("POST", target, readOnly, body);
            assertThat(response.status()).as("status of POST %s", target).isEqualTo(404);
            assertThat(problem(response).getString("code")).isEqualTo("not_found");
        }
        assertThat(server.db().fetchCount(dev.marketplace.schema.Tables.CATALOG_CATEGORY)).isEqualTo(before);
    }

    @Test
    void withoutATokenAPathThatIsNoOperationIsUnauthorizedAndAudited() {
        // Callers without a token learn nothing of which paths exist, and the refusal is on record as sent.
        for (String target : List.of("/v1/categories/", "/%761/categories", "/v1/no-such-thing", "/nowhere")) {
            RawHttp.Response response = RawHttp.exchange(server.baseUri().getPort(), "POST", target,
                    "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0", new byte[0]);
            assertThat(response.status()).as("status of POST %s", target).isEqualTo(401);
            String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
            Await.until(Duration.ofSeconds(5), "POST " + target + " is audited",
                    () -> server.db().fetchExists(AUDIT_EVENT, AUDIT_EVENT.REQUEST_ID.eq(requestId)));
            AuditEventRecord event = server.db().selectFrom(AUDIT_EVENT).where(AUDIT_EVENT.REQUEST_ID.eq(requestId))
                    .fetchSingle();
            assertThat(event.getPath()).isEqualTo(target);
            assertThat(event.getStatus()).isEqualTo(401);
        }
        // Public operations have nothing to hide: their wrong method is 405 at once.
        RawHttp.Response wrongMethod = RawHttp.exchange(server.baseUri().getPort(), "GET", "/oauth2/token",
                "GET /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", new byte[0]);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
    }

    /**
     * The variants of a canonical path that Helidon would route to the same handler (or that other servers and
     * proxies treat as the same path), none of which may get past the path check.
     */
    static Map<String, String> variants(String template, String path) {
        String first = path.substring(1).split("/")[0];
        String rest = path.substring(1 + first.length());
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("trailing slash", path + "/");
        variants.put("matrix parameter on the last segment", path + ";x");
        variants.put("empty matrix parameter", path + ";");
        variants.put("matrix parameter on the first segment", "/" + first + ";x" + rest);
        variants.put("encoded trailing slash", path + "%2F");
        variants.put("encoded dot segment", "/" + first + "/%2e" + rest);
        variants.put("encoded dot-dot segment", "/" + first + "/x/%2E%2E" + rest);
        variants.put("dot segment", "/" + first + "/." + rest);
        variants.put("dot-dot segment", "/" + first + "/x/.." + rest);
        variants.put("leading dot segment", "/." + path);
        variants.put("leading doubled slash", "/" + path);
        variants.put("trailing doubled slash", path + "//");
        variants.put("upper-cased first segment", "/" + first.toUpperCase(Locale.ROOT) + rest);
        variants.put("encoded first character", "/%" + Integer.toHexString(first.charAt(0)).toUpperCase(Locale.ROOT)
                + first.substring(1) + rest);
        variants.put("absolute form", "http://127.0.0.1" + path);
        if (!rest.isEmpty()) {
            variants.put("encoded slash", "/" + first + "%2F" + rest.substring(1));
            variants.put("encoded slash in lower case", "/" + first + "%2f" + rest.substring(1));
            variants.put("doubled slash", "/" + first + "/" + rest);
            variants.put("backslash", "/" + first + "\\" + rest.substring(1));
            String[] templateSegments = template.split("/");
            String[] segments = path.split("/");
            for (int i = templateSegments.length - 1; i > 1; i--) {
                if (!templateSegments[i].startsWith("{")) {
                    segments[i] = segments[i].toUpperCase(Locale.ROOT);
                    variants.put("upper-cased last literal segment", String.join("/", segments));
                    break;
                }
            }
        }
        return variants;
    }

    private static void assertRefusedWritesAreAudited(List<Sent> refused) {
        List<Sent> writes = refused.stream()
                .filter(sent -> WRITES.contains(sent.operation().method()))
                // Helidon answers what is not HTTP (400) before routing, where no filter runs.
                .filter(sent -> sent.response().status() != 400)
                .toList();
        assertThat(writes).as("refused writes").isNotEmpty();
        for (Sent sent : writes) {
            String requestId = sent.response().headers().firstValue("X-Request-Id").orElseThrow();
            Await.until(Duration.ofSeconds(5), sent.operation() + " as " + sent.variant() + " is audited",
                    () -> server.db().fetchExists(AUDIT_EVENT, AUDIT_EVENT.REQUEST_ID.eq(requestId)));
            AuditEventRecord event = server.db().selectFrom(AUDIT_EVENT).where(AUDIT_EVENT.REQUEST_ID.eq(requestId))
                    .fetchSingle();
            assertThat(event.getStatus()).as("audited status of %s", sent.target()).isEqualTo(sent.response().status());
            if (sent.target().startsWith("/")) {
                assertThat(event.getPath()).as("audited path of %s", sent.target()).isEqualTo(sent.target());
            }
        }
    }

    private static RawHttp.Response send(String method, String target, String token, String body) {
        byte[] bytes = WRITES.contains(method) ? body.getBytes(StandardCharsets.UTF_8) : new byte[0];
        String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + "Authorization: Bearer " + token + "\r\n"
                + (bytes.length > 0 ? "Content-Type: application/json\r\n" : "")
                + "Content-Length: " + bytes.length;
        // The contract check reads the path of a URI; a target that is not one is checked as an unknown path.
        String checkedPath = target.startsWith("/") && !target.contains("\\") ? target : "/not-a-path";
        return RawHttp.exchange(server.baseUri().getPort(), method, checkedPath, head, bytes);
    }

    private static JsonObject problem(RawHttp.Response response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }

    private static Map<Table<?>, Integer> rowCounts() {
        Map<Table<?>, Integer> counts = new LinkedHashMap<>();
        WATCHED_TABLES.forEach(table -> counts.put(table, server.db().fetchCount(table)));
        return counts;
    }

    /** The operations of the document the server ships, read on their own (not through ApiRoutes). */
    @SuppressWarnings("unchecked")
    private static List<Operation> documentedOperations() {
        try (InputStream in = CanonicalPathsIT.class.getClassLoader().getResourceAsStream(ApiRoutes.DOCUMENT)) {
            Map<String, Object> document = new Yaml(new LoaderOptions()).load(in);
            List<Operation> operations = new ArrayList<>();
            ((Map<String, Map<String, Object>>) document.get("paths")).forEach((path, item) -> item.forEach((key, value) -> {
                if (Set.of("get", "put", "post", "delete", "patch").contains(key)) {
                    List<Map<String, Object>> security = (List<Map<String, Object>>) ((Map<String, Object>) value).get("security");
                    operations.add(new Operation(key.toUpperCase(Locale.ROOT), path,
                            security.isEmpty() || security.stream().anyMatch(Map::isEmpty)));
                }
            }));
            return operations;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The path with plausible values for its parameters. */
    private static String filled(String template) {
        Matcher matcher = PARAMETER.matcher(template);
        StringBuilder path = new StringBuilder();
        while (matcher.find()) {
            String value = switch (matcher.group(1)) {
                case "clientId" -> TestServer.OPERATOR_CLIENT_ID;
                case "carrier" -> "yamato";
                case "provider" -> "test";
                default -> UUID.randomUUID().toString();
            };
            matcher.appendReplacement(path, value);
        }
        matcher.appendTail(path);
        return path.toString();
    }
}
