package dev.marketplace.server.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The authorization server as OAuth2 clients see it: RFC 6749 §4.4, RFC 7009, RFC 8414, RFC 9068 tokens. */
class AuthorizationServerIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            (TestServer.OPERATOR_CLIENT_ID + ":" + TestServer.OPERATOR_CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));

    @Test
    void publishesMetadataAndKeys() throws Exception {
        JsonObject metadata = json(server.send(server.anonymousRequest("/.well-known/oauth-authorization-server").GET().build()));
        assertThat(metadata.getString("issuer")).isEqualTo(TestServer.ISSUER);
        assertThat(metadata.getString("token_endpoint")).isEqualTo(TestServer.ISSUER + "/oauth2/token");
        assertThat(metadata.getString("jwks_uri")).isEqualTo(TestServer.ISSUER + "/oauth2/jwks");
        assertThat(metadata.getJsonArray("grant_types_supported").getString(0)).isEqualTo("client_credentials");

        JWKSet keys = JWKSet.parse(server.send(server.anonymousRequest("/oauth2/jwks").GET().build()).body());
        assertThat(keys.getKeys()).isNotEmpty().allSatisfy(key -> assertThat(key.isPrivate()).isFalse());
        String kid = SignedJWT.parse(server.operatorToken()).getHeader().getKeyID();
        assertThat(keys.getKeyByKeyId(kid)).isNotNull();
    }

    @Test
    void issuesShortLivedTypedJwtsWithoutRefreshTokens() throws Exception {
        HttpResponse<String> response = tokenRequest(BASIC, "grant_type=client_credentials");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        JsonObject body = json(response);
        assertThat(body.getString("token_type")).isEqualTo("Bearer");
        assertThat(body.containsKey("refresh_token")).as("no refresh token on client credentials (RFC 6749 §4.4.3)").isFalse();
        assertThat(body.getInt("expires_in")).isBetween(60, 3600);

        SignedJWT jwt = SignedJWT.parse(body.getString("access_token"));
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
        assertThat(jwt.getHeader().getKeyID()).isNotBlank();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(TestServer.ISSUER);
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(TestServer.AUDIENCE);
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("operator");
        assertThat(jwt.getJWTClaimsSet().getStringClaim("client_id")).isEqualTo(TestServer.OPERATOR_CLIENT_ID);
        assertThat(jwt.getJWTClaimsSet().getJWTID()).isNotBlank();
        assertThat(Set.of(jwt.getJWTClaimsSet().getStringClaim("scope").split(" ")))
                .containsExactlyInAnyOrder("catalog:read", "catalog:write", "catalog:moderate", "categories:write", "clients:read", "clients:write",
                        "customers:read", "customers:register", "customers:write", "inventory:read", "inventory:reserve",
                        "inventory:write", "merchants:admin", "merchants:read", "points:exchange",
                        "cart:write", "orders:read", "orders:write", "fulfilment:write", "settlement:read", "events:admin",
                        "webhooks:read", "webhooks:write", "settlement:write",
                        "points:read", "points:write", "metrics:read", "channels:read", "channels:write",
                        "dropship:read", "dropship:write",
                        "partners:read", "partners:write",
                        "reviews:read", "reviews:write", "reviews:reply", "reviews:moderate",
                        "promotions:read", "promotions:write",
                        "partner_inventory:read", "leases:write", "partner_inventory:admin");
    }

    @Test
    void acceptsFormCredentialsButNotBothMethods() {
        String form = "grant_type=client_credentials&client_id=" + TestServer.OPERATOR_CLIENT_ID
                + "&client_secret=" + URLEncoder.encode(TestServer.OPERATOR_CLIENT_SECRET, StandardCharsets.UTF_8);
        assertThat(tokenRequest(null, form).statusCode()).isEqualTo(200);
        HttpResponse<String> both = tokenRequest(BASIC, form);
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(json(both).getString("error")).isEqualTo("invalid_request");
    }

    @Test
    void refusesBadClientsGrantsAndScopes() {
        String wrongSecret = "Basic " + Base64.getEncoder().encodeToString(
                (TestServer.OPERATOR_CLIENT_ID + ":wrong").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> badSecret = tokenRequest(wrongSecret, "grant_type=client_credentials");
        assertThat(badSecret.statusCode()).isEqualTo(401);
        assertThat(json(badSecret).getString("error")).isEqualTo("invalid_client");
        assertThat(badSecret.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"marketplace\"");

        assertThat(json(tokenRequest(null, "grant_type=client_credentials&client_id=nobody-at-all&client_secret=x"))
                .getString("error")).isEqualTo("invalid_client");
        assertThat(json(tokenRequest(null, "grant_type=client_credentials")).getString("error")).isEqualTo("invalid_client");

        HttpResponse<String> password = tokenRequest(BASIC, "grant_type=password&username=a&password=b");
        assertThat(password.statusCode()).isEqualTo(400);
        assertThat(json(password).getString("error")).isEqualTo("unsupported_grant_type");

        HttpResponse<String> scope = tokenRequest(BASIC, "grant_type=client_credentials&scope=catalog:read%20no:such-scope");
        assertThat(scope.statusCode()).isEqualTo(400);
        assertThat(json(scope).getString("error")).isEqualTo("invalid_scope");

        HttpResponse<String> repeated = tokenRequest(BASIC, "grant_type=client_credentials&grant_type=client_credentials");
        assertThat(json(repeated).getString("error")).isEqualTo("invalid_request");
    }

    @Test
    void aNarrowerScopeGivesANarrowerToken() throws Exception {
        String token = server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET, "catalog:read");
        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getStringClaim("scope")).isEqualTo("catalog:read");
    }

    @Test
    void aRevokedTokenStopsWorkingAndOnlyItsClientCanRevokeIt() throws Exception {
        String token = server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
        assertThat(get(token).statusCode()).isEqualTo(200);

        HttpResponse<String> junk = revoke(BASIC, "token=not-a-token");
        assertThat(junk.statusCode()).as("RFC 7009: 200 for an invalid token").isEqualTo(200);

        var other = server.client().clients().createClient(new dev.marketplace.sdk.model.ClientCreate().name("Other tool")
                .principalType(dev.marketplace.sdk.model.PrincipalType.OPERATOR)
                .scopes(java.util.List.of(dev.marketplace.sdk.model.Scope.CATALOG_READ)));
        String otherBasic = "Basic " + Base64.getEncoder().encodeToString((other.getClient().getClientId() + ":"
                + other.getClientSecret()).getBytes(StandardCharsets.UTF_8));
        assertThat(revoke(otherBasic, "token=" + token).statusCode()).as("answered 200 all the same").isEqualTo(200);
        assertThat(get(token).statusCode()).as("another client cannot revoke this token").isEqualTo(200);

        assertThat(revoke(BASIC, "token=" + token).statusCode()).isEqualTo(200);
        HttpResponse<String> afterwards = get(token);
        assertThat(afterwards.statusCode()).isEqualTo(401);
        assertThat(afterwards.body()).contains("revoked");
        assertThat(get(server.operatorToken()).statusCode()).as("other tokens still work").isEqualTo(200);
    }

    @Test
    void rotationOnAnotherNodeKeepsOldTokensValidAndNewKeysAreFound() throws Exception {
        String before = server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
        String oldKid = SignedJWT.parse(before).getHeader().getKeyID();

        // "Another node" on the same database rotates the signing key and signs with the new one.
        SigningKeys otherNode = new SigningKeys(server.db(), SecretBox.fromBase64(TestServer.KEY_ENCRYPTION_KEY),
                Duration.ofMinutes(10), Clock.systemUTC());
        otherNode.rotate();
        var newKey = TokenForge.activeKey(server.db());
        assertThat(newKey.getKeyID()).isNotEqualTo(oldKid);
        String signedByNewKey = TokenForge.sign(newKey, TokenForge.header(newKey).build(), TokenForge.operatorClaims().build());

        assertThat(get(before).statusCode()).as("a token signed before the rotation").isEqualTo(200);
        // This node learns of the new key on demand, at most one key lookup every few seconds.
        Await.until(Duration.ofSeconds(15), "a token signed with the new key is accepted",
                () -> get(signedByNewKey).statusCode() == 200);

        JWKSet published = JWKSet.parse(server.send(server.anonymousRequest("/oauth2/jwks").GET().build()).body());
        assertThat(published.getKeyByKeyId(oldKid)).as("the retired key is still published").isNotNull();
        assertThat(published.getKeyByKeyId(newKey.getKeyID())).as("the new key is published").isNotNull();
    }

    @Test
    void aKeyOlderThanTheRotationAgeIsReplacedAndAYoungOneKept() {
        SigningKeys keys = new SigningKeys(server.db(), SecretBox.fromBase64(TestServer.KEY_ENCRYPTION_KEY),
                Duration.ofMinutes(10), Clock.systemUTC());
        String before = TokenForge.activeKey(server.db()).getKeyID();
        keys.ensureActiveKey(Duration.ofDays(30));
        assertThat(TokenForge.activeKey(server.db()).getKeyID()).as("young key kept").isEqualTo(before);
        keys.ensureActiveKey(Duration.ZERO);
        assertThat(TokenForge.activeKey(server.db()).getKeyID()).as("old key replaced").isNotEqualTo(before);
        assertThat(get(server.operatorToken()).statusCode()).as("tokens of the replaced key still work").isEqualTo(200);
    }

    private static HttpResponse<String> get(String token) {
        return server.send(server.anonymousRequest("/v1/categories").header("Authorization", "Bearer " + token).GET().build());
    }

    private static HttpResponse<String> tokenRequest(String authorization, String form) {
        return formPost("/oauth2/token", authorization, form);
    }

    private static HttpResponse<String> revoke(String authorization, String form) {
        return formPost("/oauth2/revoke", authorization, form);
    }

    private static HttpResponse<String> formPost(String path, String authorization, String form) {
        HttpRequest.Builder request = server.anonymousRequest(path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return server.send(request.build());
    }

    private static JsonObject json(HttpResponse<String> response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }
}
