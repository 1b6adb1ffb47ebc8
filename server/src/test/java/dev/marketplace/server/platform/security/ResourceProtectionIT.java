package dev.marketplace.server.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every /v1 route refuses every kind of bad token with 401 and an RFC 6750 challenge, and a missing scope
 * with 403 — tokens forged with the real key and with others, per the JWT BCP (RFC 8725).
 */
class ResourceProtectionIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private ECKey realKey;

    @BeforeEach
    void loadKey() {
        realKey = TokenForge.activeKey(server.db());
    }

    @Test
    void aTokenForgedWithTheRealKeyAndRealClaimsIsAccepted() {
        // The control case: proves the forge makes tokens the server would accept, so each refusal below is meaningful.
        String token = TokenForge.sign(realKey, TokenForge.header(realKey).build(), TokenForge.operatorClaims().build());
        assertThat(call(token).statusCode()).isEqualTo(200);
    }

    @Test
    void noTokenIs401WithAChallenge() {
        HttpResponse<String> response = server.send(server.anonymousRequest("/v1/categories").GET().build());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"marketplace\"");
        assertThat(response.body()).contains("\"code\":\"unauthorized\"");

        HttpResponse<String> basic = server.send(server.anonymousRequest("/v1/categories")
                .header("Authorization", "Basic dGVzdDp0ZXN0").GET().build());
        assertThat(basic.statusCode()).isEqualTo(401);
    }

    @Test
    void garbageIsInvalidToken() {
        for (String token : new String[] {"x", "a.b.c", "eyJhbGciOiJFUzI1NiJ9.e30.", "Bearer"}) {
            assertInvalidToken(call(token), token);
        }
    }

    @Test
    void expiredTokenIsRefused() {
        Instant past = Instant.now().minusSeconds(3600);
        JWTClaimsSet claims = TokenForge.operatorClaims()
                .issueTime(Date.from(past)).expirationTime(Date.from(past.plusSeconds(300))).build();
        HttpResponse<String> response = call(TokenForge.sign(realKey, TokenForge.header(realKey).build(), claims));
        assertInvalidToken(response, "expired");
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("expired");
    }

    @Test
    void aTokenExpiredTenSecondsAgoIsRefused() {
        Instant now = Instant.now();
        JWTClaimsSet claims = TokenForge.operatorClaims()
                .issueTime(Date.from(now.minusSeconds(310))).expirationTime(Date.from(now.minusSeconds(10))).build();
        assertInvalidToken(call(TokenForge.sign(realKey, TokenForge.header(realKey).build(), claims)), "expired 10 s ago");
    }

    @Test
    void tamperedPayloadIsRefused() throws Exception {
        String genuine = server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET, "catalog:read");
        SignedJWT parsed = SignedJWT.parse(genuine);
        JWTClaimsSet widened = new JWTClaimsSet.Builder(parsed.getJWTClaimsSet())
                .claim("scope", "catalog:read categories:write").build();
        String[] parts = genuine.split("\\.");
        String tampered = parts[0] + "." + Base64URL.encode(widened.toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertInvalidToken(call(tampered), "tampered");
    }

    @Test
    void aTokenSignedByAnotherKeyIsRefusedEvenUnderTheRealKid() throws Exception {
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID(realKey.getKeyID()).generate();
        assertInvalidToken(call(TokenForge.sign(stranger, TokenForge.header(stranger).build(),
                TokenForge.operatorClaims().build())), "wrong key, real kid");

        ECKey unknown = new ECKeyGenerator(Curve.P_256).keyID("unknown-kid").generate();
        assertInvalidToken(call(TokenForge.sign(unknown, TokenForge.header(unknown).build(),
                TokenForge.operatorClaims().build())), "unknown kid");
    }

    @Test
    void injectedKidsFindNothing() {
        for (String kid : new String[] {"../../../../etc/passwd", "' OR '1'='1", "", "${jndi:ldap://x}"}) {
            JWSHeader header = TokenForge.header(realKey).keyID(kid).build();
            assertInvalidToken(call(TokenForge.sign(realKey, header, TokenForge.operatorClaims().build())), "kid " + kid);
        }
    }

    @Test
    void algNoneIsRefused() {
        String unsecured = new PlainJWT(TokenForge.operatorClaims().build()).serialize();
        assertInvalidToken(call(unsecured), "alg none");
        // The same with a header that claims at+jwt and a dangling signature part.
        String[] parts = unsecured.split("\\.");
        String withType = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"at+jwt\"}") + "." + parts[1] + ".";
        assertInvalidToken(call(withType), "alg none, typed");
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() throws Exception {
        byte[] publicKeyAsSecret = realKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new JOSEObjectType("at+jwt")).keyID(realKey.getKeyID()).build(), TokenForge.operatorClaims().build());
        confused.sign(new MACSigner(publicKeyAsSecret));
        assertInvalidToken(call(confused.serialize()), "HS256 with the public key");
    }

    @Test
    void wrongIssuerAudienceOrTypeIsRefused() {
        assertInvalidToken(call(TokenForge.sign(realKey, TokenForge.header(realKey).build(),
                TokenForge.operatorClaims().issuer("https://evil.example").build())), "issuer");
        assertInvalidToken(call(TokenForge.sign(realKey, TokenForge.header(realKey).build(),
                TokenForge.operatorClaims().audience("another-api").build())), "audience");
        assertInvalidToken(call(TokenForge.sign(realKey, TokenForge.header(realKey).type(JOSEObjectType.JWT).build(),
                TokenForge.operatorClaims().build())), "typ JWT (an ID token is not an access token)");
        assertInvalidToken(call(TokenForge.sign(realKey, TokenForge.header(realKey).build(),
                TokenForge.operatorClaims().subject("superuser").build())), "unknown principal");
    }

    @Test
    void aMissingScopeIs403WithTheScopeNamed() {
        String readOnly = server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET, "catalog:read");
        assertThat(call(readOnly).statusCode()).isEqualTo(200);
        HttpResponse<String> write = server.send(server.anonymousRequest("/v1/categories")
                .header("Authorization", "Bearer " + readOnly)
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"commissionRateBasisPoints\":1}"))
                .build());
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(write.body()).contains("\"code\":\"insufficient_scope\"");
        assertThat(write.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"").contains("scope=\"categories:write\"");
    }

    @Test
    void unknownV1PathsNeedATokenToo() {
        HttpResponse<String> response = server.send(server.anonymousRequest("/v1/secret-admin-thing").GET().build());
        assertThat(response.statusCode()).isEqualTo(401);
    }

    private static HttpResponse<String> call(String token) {
        return server.send(server.anonymousRequest("/v1/categories").header("Authorization", "Bearer " + token).GET().build());
    }

    private static void assertInvalidToken(HttpResponse<String> response, String what) {
        assertThat(response.statusCode()).as("status for %s", what).isEqualTo(401);
        assertThat(response.body()).as("body for %s", what).contains("\"code\":\"invalid_token\"");
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .as("challenge for %s", what).startsWith("Bearer realm=\"marketplace\", error=\"invalid_token\"");
    }
}
