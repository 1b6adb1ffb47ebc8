package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiRoutesTest {

    private final ApiRoutes routes = ApiRoutes.fromClasspathDocument();

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
        assertThat(routes.requiredScopes("GET", "/v1/listings/abc")).containsExactly("catalog:read");
        assertThat(routes.requiredScopes("GET", "/v1/nothing/abc")).isEmpty();
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
