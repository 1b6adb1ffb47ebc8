package dev.marketplace.server.testing;

import static dev.marketplace.schema.Tables.SIGNING_KEY;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.marketplace.schema.tables.records.SigningKeyRecord;
import dev.marketplace.server.platform.security.SecretBox;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Signs tokens the way an attacker holding (or lacking) the server's key would: with the real active key read
 * from the database and unsealed with the test key-encryption key, with any claims and header.
 */
public final class TokenForge {

    private TokenForge() {
    }

    public static ECKey activeKey(DSLContext db) {
        SigningKeyRecord row = db.selectFrom(SIGNING_KEY).where(SIGNING_KEY.RETIRED_AT.isNull()).fetchSingle();
        byte[] json = SecretBox.fromBase64(TestServer.KEY_ENCRYPTION_KEY)
                .open(row.getPrivateJwkSealed(), row.getKid().getBytes(StandardCharsets.UTF_8));
        try {
            return ECKey.parse(new String(json, StandardCharsets.UTF_8));
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims as the server issues them for the operator client, valid for five minutes. */
    public static JWTClaimsSet.Builder operatorClaims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(TestServer.ISSUER)
                .audience(TestServer.AUDIENCE)
                .subject("operator")
                .claim("client_id", TestServer.OPERATOR_CLIENT_ID)
                .claim("scope", "catalog:read categories:write clients:read clients:write")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString());
    }

    /**
     * Claims as the server issues them for a storefront client acting for a customer who consented, valid for
     * five minutes: for tests of customer-facing operations that do not exercise the sign-in itself.
     */
    public static JWTClaimsSet.Builder customerClaims(String clientId, UUID storefrontId, UUID customerId, String... scopes) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(TestServer.ISSUER)
                .audience(TestServer.AUDIENCE)
                .subject("customer:" + customerId)
                .claim("client_principal", "storefront:" + storefrontId)
                .claim("client_id", clientId)
                .claim("scope", String.join(" ", scopes))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString());
    }

    public static JWSHeader.Builder header(ECKey key) {
        return new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("at+jwt")).keyID(key.getKeyID());
    }

    public static String sign(ECKey key, JWSHeader header, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
