package dev.marketplace.server.platform.security;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A storefront platform that signs its own access tokens (RS256, keys at its JWKS URL, here WireMock) is
 * trusted for its storefront: its tokens work within the storefront's scope ceiling, and nothing else passes.
 */
class ExternalIssuerIT {

    private static final String ISSUER = "https://login.storefront.example/";
    private static final UUID STOREFRONT = UUID.randomUUID();
    private static final RSAKey KEY = rsaKey("storefront-key-1");
    private static final WireMockServer identityProvider = startIdentityProvider();

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("security.external.issuers.0.issuer", ISSUER)
            .with("security.external.issuers.0.jwks.uri", identityProvider.baseUrl() + "/jwks")
            .with("security.external.issuers.0.audience", TestServer.AUDIENCE)
            .with("security.external.issuers.0.principal.type", "storefront")
            .with("security.external.issuers.0.principal.id", STOREFRONT.toString())
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32");

    @AfterAll
    static void stopIdentityProvider() {
        identityProvider.stop();
    }

    @Test
    void itsTokensActForTheStorefrontWithinItsCeiling() {
        String token = sign(KEY, claims().build());
        assertThat(call("GET", "/v1/categories", token).statusCode()).isEqualTo(200);

        HttpResponse<String> clients = call("GET", "/v1/clients", token);
        assertThat(clients.statusCode()).isEqualTo(200);
        assertThat(clients.body()).as("a storefront sees only its own clients: none yet").contains("\"items\":[]");

        // categories:write is in the token, but a storefront can never hold it.
        HttpResponse<String> write = call("POST", "/v1/categories", token);
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(write.body()).contains("insufficient_scope");
    }

    @Test
    void tokensItDidNotSignOrNotForUsAreRefused() {
        RSAKey impostor = rsaKey(KEY.getKeyID());
        assertThat(call("GET", "/v1/categories", sign(impostor, claims().build())).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/v1/categories", sign(KEY, claims().audience("someone-else").build())).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/v1/categories", sign(KEY, claims().issuer("https://other.example/").build())).statusCode()).isEqualTo(401);
        Instant past = Instant.now().minusSeconds(7200);
        assertThat(call("GET", "/v1/categories", sign(KEY, claims().issueTime(Date.from(past))
                .expirationTime(Date.from(past.plusSeconds(60))).build())).statusCode()).isEqualTo(401);
    }

    @Test
    void anUnreachableKeySetMeansUnauthorizedNotAServerError() {
        RSAKey unknown = rsaKey("rotated-key-" + UUID.randomUUID());
        identityProvider.stubFor(get("/jwks").willReturn(aResponse().withStatus(503)));
        try {
            HttpResponse<String> response = call("GET", "/v1/categories", sign(unknown, claims().build()));
            assertThat(response.statusCode()).isEqualTo(401);
        } finally {
            stubKeys();
        }
        assertThat(identityProvider.findAll(getRequestedFor(urlEqualTo("/jwks")))).isNotEmpty();
    }

    private static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(TestServer.AUDIENCE)
                .subject("storefront-backend")
                .claim("azp", "storefront-web")
                .claim("scope", "catalog:read clients:read categories:write")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString());
    }

    private static String sign(RSAKey key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                    .keyID(key.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> call(String method, String path, String token) {
        HttpRequest.BodyPublisher body = method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString("{\"name\":\"Storefront's\",\"commissionRateBasisPoints\":1}");
        return server.send(server.anonymousRequest(path).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method(method, body).build());
    }

    private static RSAKey rsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static WireMockServer startIdentityProvider() {
        WireMockServer wireMock = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        wireMock.start();
        stubKeys(wireMock);
        return wireMock;
    }

    private static void stubKeys() {
        stubKeys(identityProvider);
    }

    private static void stubKeys(WireMockServer wireMock) {
        wireMock.stubFor(get("/jwks").willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody(new JWKSet(KEY.toPublicJWK()).toString())));
    }
}
