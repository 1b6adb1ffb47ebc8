package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.model.Scope;
import dev.marketplace.server.testing.ContractValidator;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestCustomers.SignInClient;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CORS (decision 26): a storefront's front end on a configured origin may call the customer-facing operations and
 * the token endpoint from a browser; operator and merchant operations, and every other origin, get no CORS header.
 */
class BrowserOriginsIT {

    private static final String SHOP = "https://app.shop.example";
    private static final String ELSEWHERE = "https://evil.example";

    @RegisterExtension
    static final TestServer server = new TestServer().with("browser.origins", SHOP + ", https://other-shop.example");

    private static String customerToken;

    @BeforeAll
    static void signInACustomerThroughAPublicClient() throws Exception {
        TestCustomers customers = new TestCustomers(server);
        SignInClient app = customers.publicStorefront("Shop app", SHOP + "/callback",
                List.of(Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE));
        SignInClient storefront = customers.storefront("Shop", "https://shop.example/callback");
        customers.registerVerified(storefront, "hanako@example.jp");
        customerToken = customers.signIn(app, "hanako@example.jp", "customers:read").accessToken();
    }

    @Test
    void aConfiguredOriginsPreflightForACustomerOperationIsAnsweredBeforeAuthentication() {
        HttpResponse<String> preflight = server.send(server.anonymousRequest("/v1/customers/me")
                .header("Origin", SHOP).header("Access-Control-Request-Method", "PATCH")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());

        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains(SHOP);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).contains("PATCH");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
                .contains("Authorization", "Content-Type", "Idempotency-Key", "If-Match");
        assertThat(preflight.headers().allValues("Vary")).contains("Origin");
    }

    @Test
    void aCustomersOwnDataIsReadableByTheConfiguredOriginOnly() {
        HttpResponse<String> fromShop = getProfile(SHOP);
        HttpResponse<String> fromElsewhere = getProfile(ELSEWHERE);

        assertThat(fromShop.statusCode()).isEqualTo(200);
        assertThat(fromShop.headers().firstValue("Access-Control-Allow-Origin")).contains(SHOP);
        assertThat(fromShop.headers().firstValue("Access-Control-Expose-Headers").orElseThrow())
                .contains("RateLimit", "Retry-After", "X-Request-Id", "ETag");
        assertThat(fromElsewhere.statusCode()).isEqualTo(200);
        assertThat(fromElsewhere.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        for (HttpResponse<String> response : List.of(fromShop, fromElsewhere)) {
            ContractValidator.instance().validate("GET", response.uri(), response.statusCode(), response.headers(),
                    response.body().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void theCodeExchangeIsOpenToTheConfiguredOrigin() {
        HttpResponse<String> token = server.send(server.anonymousRequest("/oauth2/token")
                .header("Origin", SHOP).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code=unknown")).build());

        // Refused (no client named), and the page can read why.
        assertThat(token.statusCode()).isEqualTo(401);
        assertThat(token.headers().firstValue("Access-Control-Allow-Origin")).contains(SHOP);
    }

    @Test
    void operatorAndMerchantOperationsNeverAnswerABrowser() {
        for (String path : List.of("/v1/merchants", "/v1/categories", "/v1/products", "/v1/clients")) {
            HttpResponse<String> preflight = server.send(server.anonymousRequest(path)
                    .header("Origin", SHOP).header("Access-Control-Request-Method", "POST")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            HttpResponse<String> call = server.send(server.request(path).header("Origin", SHOP).GET().build());

            // A refused preflight is an OPTIONS request like any other: no operation, so 401 without a token.
            assertThat(preflight.statusCode()).as(path).isEqualTo(401);
            assertThat(call.statusCode()).as(path).isEqualTo(200);
            for (HttpResponse<String> response : List.of(preflight, call)) {
                assertThat(response.headers().map().keySet()).as(path)
                        .noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"));
            }
        }
    }

    @Test
    void anOriginThatIsNotConfiguredGetsNoPreflight() {
        HttpResponse<String> preflight = server.send(server.anonymousRequest("/v1/customers/me")
                .header("Origin", ELSEWHERE).header("Access-Control-Request-Method", "GET")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());

        assertThat(preflight.statusCode()).isEqualTo(401);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    private static HttpResponse<String> getProfile(String origin) {
        return server.send(server.anonymousRequest("/v1/customers/me").header("Origin", origin)
                .header("Authorization", "Bearer " + customerToken).GET().build());
    }
}
