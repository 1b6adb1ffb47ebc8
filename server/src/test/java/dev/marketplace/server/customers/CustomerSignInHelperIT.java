package dev.marketplace.server.customers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.CustomerSession;
import dev.marketplace.sdk.CustomerSignIn;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestCustomers.SignInClient;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SDK's CustomerSignIn against the real authorization server: PKCE URL, state check, code exchange, and a
 * customer-bound client whose refresh token rotates; for a confidential and for a public client.
 */
class CustomerSignInHelperIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static TestCustomers customers;
    private static SignInClient storefront;
    private static UUID hanako;

    @BeforeAll
    static void customer() throws Exception {
        customers = new TestCustomers(server);
        storefront = customers.storefront("Helper shop", "https://helper-shop.example/signed-in");
        hanako = customers.registerVerified(storefront, "hanako.helper@example.jp");
    }

    @Test
    void aServerSideStorefrontSignsACustomerInAndKeepsTheSessionAcrossRotatedRefreshTokens() throws Exception {
        List<String> savedRefreshTokens = new CopyOnWriteArrayList<>();
        CustomerSignIn signIn = signIn().client(storefront.clientId(), storefront.secret())
                .onRefreshTokenChanged(savedRefreshTokens::add).build();

        CustomerSignIn.Request request = signIn.start();
        Map<String, String> asked = TestCustomers.queryOf(request.authorizationUrl());
        assertThat(asked).containsEntry("code_challenge_method", "S256")
                .containsEntry("code_challenge", TestCustomers.challengeOf(request.codeVerifier()))
                .containsEntry("state", request.state()).containsEntry("scope", "customers:read");
        CustomerSession session = signIn.complete(request, walkHostedPages(request.authorizationUrl()));

        assertThat(session.client().customers().getMyCustomerProfile().getId()).isEqualTo(hanako);
        String firstRefreshToken = session.refreshToken();
        assertThat(firstRefreshToken).isNotBlank();

        CustomerSession resumed = signIn.resume(firstRefreshToken);
        assertThat(resumed.client().customers().getMyCustomerProfile().getId()).isEqualTo(hanako);
        assertThat(resumed.refreshToken()).as("rotated").isNotEqualTo(firstRefreshToken);
        assertThat(savedRefreshTokens).containsExactly(resumed.refreshToken());
        assertThat(customers.refresh(storefront, resumed.refreshToken()).status()).as("the new one is good").isEqualTo(200);
    }

    @Test
    void aPublicAppSignsInWithPkceAlone() throws Exception {
        SignInClient app = customers.publicStorefront("Helper app", "https://helper-app.example/callback",
                List.of(Scope.CUSTOMERS_READ));
        CustomerSignIn signIn = signIn().publicClient(app.clientId()).redirectUri(URI.create(app.redirectUri())).build();

        CustomerSignIn.Request request = signIn.start();
        CustomerSession session = signIn.complete(request, walkHostedPages(request.authorizationUrl()));

        assertThat(session.client().customers().getMyCustomerProfile().getId()).isEqualTo(hanako);
        assertThat(signIn.resume(session.refreshToken()).client().customers().getMyCustomerProfile().getId())
                .isEqualTo(hanako);
    }

    @Test
    void aRedirectWithAnotherStateOrASpentCodeIsRefused() throws Exception {
        CustomerSignIn signIn = signIn().client(storefront.clientId(), storefront.secret()).build();
        CustomerSignIn.Request request = signIn.start();
        URI callback = walkHostedPages(request.authorizationUrl());

        assertThatThrownBy(() -> signIn.complete(signIn.start(), callback))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("state");
        signIn.complete(request, callback);
        assertThatThrownBy(() -> signIn.complete(request, callback))
                .isInstanceOfSatisfying(MarketplaceException.AuthenticationException.class,
                        refused -> assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_GRANT));
    }

    private static CustomerSignIn.Builder signIn() {
        return CustomerSignIn.builder().baseUri(server.baseUri()).httpClientBuilder(ValidatingHttpClient.builder())
                .redirectUri(URI.create(storefront.redirectUri())).scopes("customers:read");
    }

    /** The customer's browser: the authorization URL, the sign-in form, the consent form; the redirect back. */
    private static URI walkHostedPages(URI authorizationUrl) {
        HttpResponse<String> page = server.send(server.anonymousRequest(
                authorizationUrl.getRawPath() + "?" + authorizationUrl.getRawQuery()).GET().build());
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<String> consent = customers.postForm("/oauth2/authorize/sign-in", cookie, Map.of(
                "csrf", TestCustomers.csrf(page.body()), "email", "hanako.helper@example.jp", "password", TestCustomers.PASSWORD));
        HttpResponse<String> back = customers.postForm("/oauth2/authorize/consent", cookie,
                Map.of("csrf", TestCustomers.csrf(consent.body()), "decision", "allow"));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(303);
        return URI.create(back.headers().firstValue("Location").orElseThrow());
    }
}
