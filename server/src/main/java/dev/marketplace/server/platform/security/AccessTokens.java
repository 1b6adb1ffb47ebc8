package dev.marketplace.server.platform.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Issues and verifies access tokens: JWTs per RFC 9068 ({@code typ: at+jwt}, {@code iss}, {@code aud},
 * {@code sub}, {@code client_id}, {@code scope}, {@code jti}), signed ES256 with a {@code kid}, verified per
 * RFC 8725: only ES256 is accepted (so {@code alg: none} and HS256-with-the-public-key fail), the type,
 * issuer and audience must match, and an unknown {@code kid} is looked up once in the database, never fetched.
 */
public final class AccessTokens {

    /** What a client receives from the token endpoint. */
    public record IssuedToken(String value, Duration expiresIn, Set<String> scopes) {
    }

    /** Why a presented token was refused; the description goes into {@code WWW-Authenticate}. */
    public static final class InvalidTokenException extends Exception {
        public InvalidTokenException(String description) {
            super(description, null, false, false);
        }
    }

    private static final JOSEObjectType ACCESS_TOKEN_TYPE = new JOSEObjectType("at+jwt");
    /**
     * How far past {@code exp} (or before {@code nbf}/{@code iat}) a token is still accepted, for clocks that differ
     * between nodes and issuers: Nimbus's default is 60 s, a sixth of our tokens' lifetime; NTP keeps nodes far closer.
     * The bound on skew between the node that issued a token and the one that checks it (decision 62).
     */
    static final int CLOCK_SKEW_SECONDS = 5;

    private final SigningKeys keys;
    private final RevokedTokens revoked;
    private final SecuritySettings settings;
    private final ExternalIssuers externalIssuers;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    /** Enough for every client's current token several times over; see {@link VerifiedTokens}. */
    private final VerifiedTokens verified;
    private final Clock wallClock;

    /** @param wallClock this node's own clock: tokens are issued and checked by it, within the skew bound */
    public AccessTokens(SigningKeys keys, RevokedTokens revoked, SecuritySettings settings, ExternalIssuers externalIssuers,
                        Clock wallClock) {
        this.wallClock = wallClock;
        this.verified = new VerifiedTokens(10_000, wallClock);
        this.keys = keys;
        this.revoked = revoked;
        this.settings = settings;
        this.externalIssuers = externalIssuers;
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(ACCESS_TOKEN_TYPE));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(SigningKeys.ALGORITHM, publishedKeys()));
        DefaultJWTClaimsVerifier<SecurityContext> claimsVerifier = new DefaultJWTClaimsVerifier<>(
                settings.audience(),
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                Set.of("sub", "exp", "iat", "jti", "client_id", "scope")) {
            @Override
            protected Date currentTime() {
                return Date.from(wallClock.instant());
            }
        };
        claimsVerifier.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claimsVerifier);
    }

    public IssuedToken issue(Principal principal) {
        Instant now = wallClock.instant();
        ECKey key = keys.signingKey();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .issuer(settings.issuer())
                .audience(settings.audience())
                .subject(principal.tokenSubject())
                .claim("client_id", principal.clientId())
                .claim("scope", String.join(" ", sorted(principal.scopes())))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(settings.accessTokenLifetime())))
                .jwtID(UUID.randomUUID().toString());
        principal.customer().ifPresent(customer -> builder.claim(Principal.CLIENT_PRINCIPAL_CLAIM, principal.subject()));
        JWTClaimsSet claims = builder.build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(SigningKeys.ALGORITHM)
                .type(ACCESS_TOKEN_TYPE).keyID(key.getKeyID()).build(), claims);
        try {
            jwt.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign an access token", e);
        }
        return new IssuedToken(jwt.serialize(), settings.accessTokenLifetime(), principal.scopes());
    }

    /**
     * The principal a presented token speaks for; refuses anything not issued by this server, or by a trusted
     * external issuer, and still valid. The unverified {@code iss} only picks whose rules verify the token.
     */
    public Principal verify(String token) throws InvalidTokenException {
        Optional<VerifiedTokens.Verified> known = verified.find(token);
        if (known.isPresent()) {
            return unlessRevoked(known.get());
        }
        String issuer = unverifiedIssuer(token);
        if (!settings.issuer().equals(issuer) && externalIssuers.trusts(issuer)) {
            return externalIssuers.verify(issuer, token);
        }
        JWTClaimsSet claims = verifiedClaims(token);
        VerifiedTokens.Verified fresh;
        try {
            Set<String> scopes = new LinkedHashSet<>(Arrays.asList(claims.getStringClaim("scope").split(" ")));
            Principal principal = Principal.fromToken(claims.getSubject(),
                            claims.getStringClaim(Principal.CLIENT_PRINCIPAL_CLAIM), claims.getStringClaim("client_id"), scopes)
                    .orElseThrow(() -> new InvalidTokenException("the token's subject is not a principal"));
            fresh = new VerifiedTokens.Verified(principal, claims.getJWTID(), claims.getStringClaim("client_id"),
                    claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant());
        } catch (ParseException e) {
            throw new InvalidTokenException("the token's claims are malformed");
        }
        verified.remember(token, fresh);
        return unlessRevoked(fresh);
    }

    /** Revocation is never cached with the token: it is checked on every use (RevokedTokens keeps it in memory). */
    private Principal unlessRevoked(VerifiedTokens.Verified token) throws InvalidTokenException {
        if (revoked.isRevoked(token.jti(), token.clientId(), token.issuedAt())) {
            throw new InvalidTokenException("the token was revoked");
        }
        return token.principal();
    }

    private static String unverifiedIssuer(String token) {
        try {
            return SignedJWT.parse(token).getJWTClaimsSet().getIssuer();
        } catch (ParseException | ClassCastException e) {
            return null; // not a signed JWT: the regular path refuses it with the right reason
        }
    }

    /** For revocation: the token's id, client and expiry if this server signed it (expired or not). */
    public Optional<JWTClaimsSet> signedClaims(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWK key = keys.publishedKeys().getKeyByKeyId(jwt.getHeader().getKeyID());
            if (key == null || !SigningKeys.ALGORITHM.equals(jwt.getHeader().getAlgorithm())
                    || !jwt.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(key.toECKey()))) {
                return Optional.empty();
            }
            return Optional.of(jwt.getJWTClaimsSet());
        } catch (ParseException | JOSEException | IllegalStateException e) {
            return Optional.empty();
        }
    }

    private JWTClaimsSet verifiedClaims(String token) throws InvalidTokenException {
        try {
            return processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidTokenException("the token is not a JWT");
        } catch (BadJOSEException e) {
            throw new InvalidTokenException(describe(e));
        } catch (JOSEException e) {
            throw new InvalidTokenException("the token's signature cannot be checked");
        }
    }

    private static String describe(BadJOSEException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
        if (message.contains("expired")) {
            return "the token has expired";
        }
        if (message.contains("aud")) {
            return "the token is not for this API";
        }
        if (message.contains("iss")) {
            return "the token was issued by someone else";
        }
        return "the token is not valid";
    }

    /**
     * The verification keys. A token naming a kid not yet known here triggers one database read at most
     * every few seconds (another node may have rotated), so random kids cannot flood the database.
     */
    private JWKSource<SecurityContext> publishedKeys() {
        return (JWKSelector selector, SecurityContext context) -> {
            List<JWK> found = selector.select(keys.publishedKeys());
            return found.isEmpty() ? selector.select(keys.reloadIfOlderThan(Duration.ofSeconds(5))) : found;
        };
    }

    private static List<String> sorted(Set<String> scopes) {
        return scopes.stream().sorted().toList();
    }
}
