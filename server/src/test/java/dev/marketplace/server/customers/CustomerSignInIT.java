package dev.marketplace.server.customers;

import static dev.marketplace.schema.Tables.REFRESH_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.ClientsApi;
import dev.marketplace.sdk.api.CustomersApi;
import dev.marketplace.sdk.api.CustomersApi.LookUpCustomersParams;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientType;
import dev.marketplace.sdk.model.Customer;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.SecretRotation;
import dev.marketplace.server.platform.security.ClientSecrets;
import dev.marketplace.server.platform.security.DelegatedGrants;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestCustomers.SignInClient;
import dev.marketplace.server.testing.TestCustomers.Tokens;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The authorization code grant over plain HTTP: the hosted pages' refusals (RFC 6749 §4.1.2.1 — never a
 * redirect to an unregistered URI), PKCE S256, single-use codes whose replay revokes what they gave, refresh
 * token rotation with family revocation and inactivity expiry, and customer-bound tokens that reach only their
 * customer.
 */
class CustomerSignInIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final String REDIRECT = "https://shop.example/callback";
    private static final String SCOPE = "customers:read customers:write";

    private static TestCustomers customers;
    private static SignInClient storefront;
    private static UUID hanako;
    private static UUID taro;

    @BeforeAll
    static void storefrontAndCustomers() throws Exception {
        customers = new TestCustomers(server);
        storefront = customers.storefront("Shop A", REDIRECT);
        hanako = customers.registerVerified(storefront, "hanako@example.jp");
        taro = customers.registerVerified(storefront, "taro@example.jp");
    }

    @Test
    void aCustomerBoundTokenReadsOnlyItsCustomer() throws Exception {
        Tokens tokens = customers.signIn(storefront, "hanako@example.jp", SCOPE);
        assertThat(tokens.status()).isEqualTo(200);
        assertThat(tokens.body().getString("scope")).isEqualTo(SCOPE);
        var asHanako = server.clientWithToken(tokens.accessToken()).customers();
        Customer me = asHanako.getMyCustomerProfile();
        assertThat(me.getId()).isEqualTo(hanako);
        assertThat(me.getEmail()).isEqualTo("hanako@example.jp");
        assertThat(me.getPhone()).isEqualTo("+81 90-1234-5678");
        assertThat(asHanako.getCustomer(hanako).getId()).isEqualTo(hanako);
        assertThat(catchThrowableOfType(MarketplaceException.NotFoundException.class, () -> asHanako.getCustomer(taro)))
                .isNotNull();
        assertThat(asHanako.lookUpCustomers(
                LookUpCustomersParams.builder().email("taro@example.jp").build()).getItems()).isEmpty();
        // The storefront's own token does not act for anyone.
        MarketplaceException refused = catchThrowableOfType(MarketplaceException.class,
                () -> storefront.sdk().customers().getMyCustomerProfile());
        assertThat(refused.status()).isEqualTo(403);
    }

    @Test
    void aPublicClientSignsCustomersInWithPkceAloneAndNothingElse() throws Exception {
        SignInClient app = customers.publicStorefront("Shop app", "https://app.shop.example/callback",
                List.of(Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE));
        ClientsApi operatorClients = server.client().clients();
        assertThat(operatorClients.getClient(app.clientId()).getClientType()).isEqualTo(ClientType.PUBLIC);

        Tokens tokens = customers.signIn(app, "taro@example.jp", SCOPE);
        assertThat(tokens.status()).isEqualTo(200);
        assertThat(server.clientWithToken(tokens.accessToken()).customers().getMyCustomerProfile().getId()).isEqualTo(taro);
        Tokens refreshed = customers.refresh(app, tokens.refreshToken());
        assertThat(refreshed.status()).isEqualTo(200);
        assertThat(customers.refresh(app, tokens.refreshToken()).error()).as("rotated: the old one is spent").isEqualTo("invalid_grant");

        // Its proof is the PKCE verifier: without it the code is worth nothing.
        Map<String, String> redirect = customers.authorize(app, "taro@example.jp", TestCustomers.PASSWORD, SCOPE,
                TestCustomers.challengeOf(TestCustomers.newVerifier()), "s");
        assertThat(customers.exchange(app, redirect.get("code"), app.redirectUri(), null).error()).isEqualTo("invalid_grant");
        // No client credentials for an app that keeps no secret.
        Tokens clientCredentials = customers.tokenRequest(app, Map.of("grant_type", "client_credentials"));
        assertThat(clientCredentials.status()).isEqualTo(400);
        assertThat(clientCredentials.error()).isEqualTo("unauthorized_client");
        // A confidential client cannot pass as public by leaving its secret out.
        SignInClient withoutSecret = new SignInClient(storefront.clientId(), null, REDIRECT, null);
        assertThat(customers.tokenRequest(withoutSecret, Map.of("grant_type", "client_credentials")).status()).isEqualTo(401);
        // No secret to rotate; only a storefront's app with a redirect URI can be public.
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> operatorClients.rotateClientSecret(app.clientId(),
                new SecretRotation())).status()).isEqualTo(409);
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> operatorClients.createClient(new ClientCreate()
                .name("Partner app").clientType(ClientType.PUBLIC).principalType(PrincipalType.PARTNER)
                .principalId(UUID.randomUUID()).scopes(List.of(Scope.CUSTOMERS_READ))
                .redirectUris(List.of("https://partner.example/cb")))).status()).isEqualTo(400);
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> operatorClients.createClient(new ClientCreate()
                .name("No redirect").clientType(ClientType.PUBLIC).principalType(PrincipalType.STOREFRONT)
                .principalId(UUID.randomUUID()).scopes(List.of(Scope.CUSTOMERS_READ)))).status()).isEqualTo(400);
    }

    @Test
    void anUnregisteredRedirectUriOrUnknownClientGetsAnErrorPageNeverARedirect() {
        String challenge = TestCustomers.challengeOf(TestCustomers.newVerifier());
        for (String path : List.of(
                TestCustomers.authorizationPath(storefront.clientId(), "https://evil.example/callback", SCOPE, challenge, "s"),
                TestCustomers.authorizationPath(storefront.clientId(), REDIRECT + "/", SCOPE, challenge, "s"),
                TestCustomers.authorizationPath(storefront.clientId(), REDIRECT + "?x=1", SCOPE, challenge, "s"),
                TestCustomers.authorizationPath("cli_nobody", REDIRECT, SCOPE, challenge, "s"))) {
            HttpResponse<String> response = server.send(server.anonymousRequest(path).GET().build());
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.headers().firstValue("Location")).as(path).isEmpty();
            assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        }
    }

    @Test
    void otherAuthorizationErrorsGoBackToTheClientWithState() {
        String challenge = TestCustomers.challengeOf(TestCustomers.newVerifier());
        String valid = TestCustomers.authorizationPath(storefront.clientId(), REDIRECT, SCOPE, challenge, "st8");
        Map<String, String> missingPkce = redirectOf(valid.replace("&code_challenge_method=S256", ""));
        assertThat(missingPkce).containsEntry("error", "invalid_request").containsEntry("state", "st8")
                .containsEntry("iss", TestServer.ISSUER);
        assertThat(redirectOf(valid.replace("code_challenge_method=S256", "code_challenge_method=plain")))
                .containsEntry("error", "invalid_request");
        assertThat(redirectOf(valid.replace("response_type=code", "response_type=token")))
                .containsEntry("error", "unsupported_response_type").containsEntry("state", "st8");
        assertThat(redirectOf(TestCustomers.authorizationPath(storefront.clientId(), REDIRECT, "catalog:read", challenge, "st8")))
                .as("a scope the customer cannot grant").containsEntry("error", "invalid_scope");
    }

    @Test
    void aWrongOrMissingVerifierOrRedirectUriIsInvalidGrant() {
        String verifier = TestCustomers.newVerifier();
        Map<String, String> back = customers.authorize(storefront, "hanako@example.jp", TestCustomers.PASSWORD, SCOPE,
                TestCustomers.challengeOf(verifier), "abc");
        assertThat(back).containsEntry("state", "abc").containsKey("code");
        Tokens wrongVerifier = customers.exchange(storefront, back.get("code"), REDIRECT, TestCustomers.newVerifier());
        assertThat(wrongVerifier.status()).isEqualTo(400);
        assertThat(wrongVerifier.error()).isEqualTo("invalid_grant");
        // The code was burnt by the failed attempt: the right verifier no longer helps.
        assertThat(customers.exchange(storefront, back.get("code"), REDIRECT, verifier).error()).isEqualTo("invalid_grant");

        Map<String, String> second = customers.authorize(storefront, "hanako@example.jp", TestCustomers.PASSWORD, SCOPE,
                TestCustomers.challengeOf(verifier), "abc");
        assertThat(customers.exchange(storefront, second.get("code"), REDIRECT, null).error()).isEqualTo("invalid_grant");

        Map<String, String> third = customers.authorize(storefront, "hanako@example.jp", TestCustomers.PASSWORD, SCOPE,
                TestCustomers.challengeOf(verifier), "abc");
        assertThat(customers.exchange(storefront, third.get("code"), "https://shop.example/other", verifier).error())
                .isEqualTo("invalid_grant");
    }

    @Test
    void anotherClientCannotExchangeTheCode() throws Exception {
        SignInClient other = customers.storefront("Shop B", REDIRECT);
        String verifier = TestCustomers.newVerifier();
        Map<String, String> back = customers.authorize(storefront, "hanako@example.jp", TestCustomers.PASSWORD, SCOPE,
                TestCustomers.challengeOf(verifier), "abc");
        assertThat(customers.exchange(other, back.get("code"), REDIRECT, verifier).error()).isEqualTo("invalid_grant");
    }

    @Test
    void aReplayedCodeFailsAndRevokesTheTokensItGave() throws Exception {
        String verifier = TestCustomers.newVerifier();
        Map<String, String> back = customers.authorize(storefront, "hanako@example.jp", TestCustomers.PASSWORD, SCOPE,
                TestCustomers.challengeOf(verifier), "abc");
        Tokens first = customers.exchange(storefront, back.get("code"), REDIRECT, verifier);
        assertThat(first.status()).isEqualTo(200);
        assertThat(server.clientWithToken(first.accessToken()).customers().getMyCustomerProfile().getId()).isEqualTo(hanako);

        Tokens replay = customers.exchange(storefront, back.get("code"), REDIRECT, verifier);
        assertThat(replay.status()).isEqualTo(400);
        assertThat(replay.error()).isEqualTo("invalid_grant");
        assertUnauthorized(first.accessToken());
        assertThat(customers.refresh(storefront, first.refreshToken()).error()).isEqualTo("invalid_grant");
    }

    @Test
    void refreshTokensRotateAndAReusedOneRevokesItsFamily() throws Exception {
        Tokens first = customers.signIn(storefront, "taro@example.jp", SCOPE);
        Tokens second = customers.refresh(storefront, first.refreshToken());
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.refreshToken()).isNotEqualTo(first.refreshToken());
        assertThat(server.clientWithToken(second.accessToken()).customers().getMyCustomerProfile().getId()).isEqualTo(taro);
        Tokens third = customers.refresh(storefront, second.refreshToken());
        assertThat(third.status()).isEqualTo(200);

        Tokens reused = customers.refresh(storefront, first.refreshToken());
        assertThat(reused.status()).isEqualTo(400);
        assertThat(reused.error()).isEqualTo("invalid_grant");
        assertThat(customers.refresh(storefront, third.refreshToken()).error())
                .as("the newest token of the family is revoked too").isEqualTo("invalid_grant");
        assertUnauthorized(third.accessToken());
        assertUnauthorized(second.accessToken());
    }

    @Test
    void aRefreshTokenExpiresAfterInactivity() {
        Tokens tokens = customers.signIn(storefront, "taro@example.jp", SCOPE);
        // As if the idle timeout had passed since it was issued.
        server.db().update(REFRESH_TOKEN).set(REFRESH_TOKEN.EXPIRES_AT, OffsetDateTime.now().minusSeconds(1))
                .where(REFRESH_TOKEN.TOKEN_HASH.eq(ClientSecrets.hash(tokens.refreshToken()))).execute();
        Tokens refused = customers.refresh(storefront, tokens.refreshToken());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.error()).isEqualTo("invalid_grant");
        assertThat(refused.body().getString("error_description")).contains("inactivity");

        // A day past expiry the row is purged (the purge needs neither token issuing nor revocation).
        var row = REFRESH_TOKEN.TOKEN_HASH.eq(ClientSecrets.hash(tokens.refreshToken()));
        DelegatedGrants grants = new DelegatedGrants(server.db(), null, null, null, Duration.ofDays(30));
        grants.purgeExpired();
        assertThat(server.db().fetchCount(REFRESH_TOKEN, row)).isEqualTo(1);
        server.db().update(REFRESH_TOKEN).set(REFRESH_TOKEN.EXPIRES_AT, OffsetDateTime.now().minusDays(2)).where(row).execute();
        assertThat(grants.purgeExpired()).isPositive();
        assertThat(server.db().fetchCount(REFRESH_TOKEN, row)).isZero();
    }

    @Test
    void aPartnerObtainsConsentToExchangePoints() throws Exception {
        SignInClient partner = customers.client("Partner points", PrincipalType.PARTNER, "https://partner.example/link",
                List.of(Scope.CUSTOMERS_READ, Scope.POINTS_EXCHANGE));
        Tokens tokens = customers.signIn(partner, "hanako@example.jp", "points:exchange customers:read");
        assertThat(tokens.status()).isEqualTo(200);
        assertThat(tokens.body().getString("scope")).isEqualTo("customers:read points:exchange");
        assertThat(server.clientWithToken(tokens.accessToken()).customers().getMyCustomerProfile().getId()).isEqualTo(hanako);
    }

    @Test
    void aStorefrontObtainsConsentToShopForTheCustomer() throws Exception {
        SignInClient shop = customers.client("Shop C", PrincipalType.STOREFRONT, "https://shop-c.example/callback",
                List.of(Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE));
        Tokens tokens = customers.signIn(shop, "hanako@example.jp", "cart:write orders:read orders:write");
        assertThat(tokens.status()).isEqualTo(200);
        assertThat(tokens.body().getString("scope")).isEqualTo("cart:write orders:read orders:write");
        var asHanako = server.clientWithToken(tokens.accessToken());
        assertThat(asHanako.carts().createCart(Map.of()).getCustomerId()).isEqualTo(hanako);
    }

    @Test
    void theMetadataAnnouncesTheGrant() {
        JsonObject metadata = Json.createReader(new StringReader(server.send(server.anonymousRequest(
                "/.well-known/oauth-authorization-server").GET().build()).body())).readObject();
        assertThat(metadata.getString("authorization_endpoint")).isEqualTo(TestServer.ISSUER + "/oauth2/authorize");
        assertThat(metadata.getJsonArray("code_challenge_methods_supported").getString(0)).isEqualTo("S256");
        assertThat(metadata.getJsonArray("grant_types_supported").getValuesAs(jakarta.json.JsonString.class))
                .extracting(jakarta.json.JsonString::getString)
                .containsExactlyInAnyOrder("authorization_code", "client_credentials", "refresh_token");
    }

    @Test
    void thePasswordGrantIsNotOffered() {
        Tokens refused = customers.exchange(storefront, "x", REDIRECT, null);
        assertThat(refused.error()).isEqualTo("invalid_grant");
        HttpResponse<String> password = customers.postForm("/oauth2/token", null, Map.of("grant_type", "password",
                "username", "hanako@example.jp", "password", TestCustomers.PASSWORD, "client_id", storefront.clientId(),
                "client_secret", storefront.secret()));
        assertThat(password.statusCode()).isEqualTo(400);
        assertThat(password.body()).contains("unsupported_grant_type");
    }

    private static Map<String, String> redirectOf(String path) {
        return TestCustomers.redirectParameters(server.send(server.anonymousRequest(path).GET().build()));
    }

    private static void assertUnauthorized(String accessToken) {
        MarketplaceException refused = catchThrowableOfType(MarketplaceException.class,
                () -> server.clientWithToken(accessToken).customers().getMyCustomerProfile());
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(401);
    }
}
