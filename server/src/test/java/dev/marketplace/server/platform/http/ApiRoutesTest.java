package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiRoutesTest {

    private final ApiRoutes routes = ApiRoutes.fromClasspathRoutes();

    @Test
    void knowsTheDocumentsPathsAndMethods() {
        assertThat(routes.allowedMethods("/v1/categories")).contains(java.util.Set.of("GET", "POST"));
        assertThat(routes.allowedMethods("/v1/categories/abc")).contains(java.util.Set.of("DELETE", "GET", "PATCH"));
        assertThat(routes.allowedMethods("/v1/categories/abc/move")).contains(java.util.Set.of("POST"));
        assertThat(routes.allowedMethods("/v1/categories/abc/def")).isEmpty();
        assertThat(routes.allowedMethods("/v1/categoriesX")).isEmpty();
        assertThat(routes.allowedMethods("/v1/categories/")).isEmpty();
        assertThat(routes.allowedMethods("/v2/categories/abc")).isEmpty();
    }

    @Test
    void aLiteralSegmentWinsOverAVariableWhereTheDocumentListsItFirst() {
        assertThat(routes.allowedMethods("/v1/products/changes")).contains(java.util.Set.of("GET"));
        assertThat(routes.allowedMethods("/v1/products/abc")).isNotEqualTo(routes.allowedMethods("/v1/products/changes"));
        assertThat(routes.resolve("GET", "/v1/listings/abc").scopes()).containsExactly("catalog:read");
        assertThat(routes.resolve("GET", "/v1/products/changes").path()).isEqualTo("/v1/products/changes");
        assertThat(routes.resolve("GET", "/v1/products/abc").path()).isEqualTo("/v1/products/{productId}");
    }

    @Test
    void anUnknownOperationHasNoScopesToMissButIsNotFound() {
        // Before decision 22 an unknown path required no scope, and Helidon routed its variants to handlers.
        assertThatThrownBy(() -> routes.resolve("GET", "/v1/nothing/abc"))
                .isInstanceOfSatisfying(ProblemException.class, problem -> assertThat(problem.status()).isEqualTo(404));
        assertThatThrownBy(() -> routes.resolve("POST", "/v1/categories/"))
                .isInstanceOfSatisfying(ProblemException.class, problem -> assertThat(problem.status()).isEqualTo(404));
        assertThatThrownBy(() -> routes.resolve("PUT", "/v1/categories"))
                .isInstanceOfSatisfying(ProblemException.class, problem -> {
                    assertThat(problem.status()).isEqualTo(405);
                    assertThat(problem.headers()).containsEntry("Allow", "GET, POST");
                });
    }

    @Test
    void publicOperationsAreTheOnesTheDocumentDeclaresPublic() {
        assertThat(routes.resolve("GET", "/oauth2/jwks").isPublic()).isTrue();
        assertThat(routes.resolve("POST", "/oauth2/token").isPublic()).as("client authentication or none").isTrue();
        assertThat(routes.resolve("POST", "/webhooks/payments/test").isPublic()).isTrue();
        assertThat(routes.resolve("GET", ApiRoutes.DOCUMENT_PATH).isPublic()).as("the document itself").isTrue();
        assertThat(routes.isPublicPath("/oauth2/token")).isTrue();
        assertThat(routes.isPublicPath("/v1/categories")).isFalse();
        assertThat(routes.isPublicPath("/v1/nothing")).isFalse();
        assertThat(routes.resolve("POST", "/v1/categories").isPublic()).isFalse();
        assertThat(routes.resolve("POST", "/v1/categories").scopes()).containsExactly("categories:write");
    }

    @Test
    void theRoutesTheStartReadsAreTheDocumentsAsItIsNow() throws Exception {
        try (var in = ApiRoutes.class.getClassLoader().getResourceAsStream(ApiRoutes.ROUTES)) {
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(ApiRoutes.documentRoutesText())
                    .contains("\n/v1/listings/{productId}\tGET:catalog:read\n", "\n/oauth2/token\tPOST\n");
        }
    }

    @Test
    void anOperationThatDoesNotSayWhoMayCallItStopsTheBuild() {
        Map<String, Object> undeclared = Map.of("paths", Map.of("/v1/things", Map.of("get", Map.of("operationId", "x"))));
        assertThatThrownBy(() -> ApiRoutes.fromDocument(undeclared)).hasMessageContaining("GET /v1/things");

        Map<String, Object> alternatives = Map.of("paths", Map.of("/v1/things", Map.of("get", Map.of("security",
                List.of(Map.of("oauth2", List.of("a")), Map.of("oauth2", List.of("b")))))));
        assertThatThrownBy(() -> ApiRoutes.fromDocument(alternatives)).hasMessageContaining("cannot enforce");

        Map<String, Object> open = Map.of("paths", Map.of("/v1/things", Map.of("get", Map.of("security", List.of()))));
        assertThat(ApiRoutes.fromDocument(open).resolve("GET", "/v1/things").isPublic()).isTrue();
    }

    @Test
    void canonicalPathsAreTheDocumentsOwnSpelling() {
        for (String path : new String[] {"/v1/categories", "/v1/categories/3f0c6d1e-0000-4000-8000-000000000001/move",
                "/.well-known/oauth-authorization-server", "/v1/customers/me/consents/test-operator",
                "/webhooks/carriers/%E3%83%A4%E3%83%9E%E3%83%88", "/v1/things/a%20b", "/v1/things/a%3Bb", "/v1/x/...", "/v1/a%00b", "/v1/a%7Fb"}) {
            assertThat(ApiRoutes.isCanonical(path)).as(path).isTrue();
        }
        for (String path : new String[] {"", "/", "v1/categories", "/v1/categories/", "/v1//categories", "//v1/categories",
                "/v1/categories;x", "/v1;x/categories", "/v1/categories;", "/v1/./categories", "/v1/x/../categories",
                "/./v1", "/v1/..", "/v1/categories%2F", "/v1%2Fcategories", "/v1%2fcategories", "/v1/%2e/categories",
                "/v1/%2E%2E/categories", "/%761/categories", "/v1/%63ategories", "/v1/a%3bb", "/v1/a%5Cb",
                "/v1/a%", "/v1/a%4", "/v1/a%zz", "/v1\\categories", "/v1/a b", "/v1/caf\u00e9",
                "http://127.0.0.1/v1/categories", "/v1/a?b", "/v1/a#b", "/v1/{x}"}) {
            assertThat(ApiRoutes.isCanonical(path)).as(path).isFalse();
        }
    }

    @Test
    void tellsAWrongMethodFromAnUnknownPath() {
        ProblemException wrongMethod = routes.unrouted("PUT", "/v1/categories");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.headers()).containsEntry("Allow", "GET, POST");

        assertThat(routes.unrouted("GET", "/v2/anything").status()).isEqualTo(404);
        // A documented operation with no handler is a server bug, but it must not claim 405.
        assertThat(routes.unrouted("GET", "/v1/categories").status()).isEqualTo(404);
    }
}
