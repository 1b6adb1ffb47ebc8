package dev.marketplace.server.platform.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.marketplace.server.platform.outbound.OutboundException;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import io.helidon.config.Config;
import java.net.URI;
import java.net.http.HttpRequest;
import jakarta.json.JsonValue;
import java.lang.System.Logger.Level;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Other authorization servers whose access tokens this API accepts for the operator or for one storefront
 * ({@code security.external.issuers}): a company's own identity provider for its operators, or a storefront
 * platform that signs its own tokens. Each is trusted by exact issuer, audience and its JWKS URL; keys are
 * fetched through {@link OutboundHttp} (timeouts, breaker, SSRF rules), cached, and re-fetched for an unknown
 * kid at most every {@link #REFETCH_AT_MOST_EVERY}. Only RS256 and ES256 are accepted; granted scopes are those
 * the token names, within what the principal type may hold.
 */
public final class ExternalIssuers {

    private static final System.Logger LOG = System.getLogger(ExternalIssuers.class.getName());
    static final Duration CACHE_FOR = Duration.ofMinutes(5);
    static final Duration REFETCH_AT_MOST_EVERY = Duration.ofSeconds(30);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    /** One trusted issuer and the principal its tokens speak for. */
    public record Trust(String issuer, URI jwksUri, String audience, PrincipalType principalType, UUID principalId) {
        public Trust {
            if (principalType != PrincipalType.OPERATOR && principalType != PrincipalType.STOREFRONT) {
                throw new IllegalArgumentException("external issuers may speak for the operator or a storefront, not " + principalType);
            }
            if ((principalType == PrincipalType.OPERATOR) != (principalId == null)) {
                throw new IllegalArgumentException("principal-id is required for a storefront and absent for the operator");
            }
        }
    }

    private final Map<String, Verifier> byIssuer;

    private ExternalIssuers(Map<String, Verifier> byIssuer) {
        this.byIssuer = byIssuer;
    }

    public static ExternalIssuers from(Config security, OutboundHttp outbound) {
        List<Trust> trusts = new ArrayList<>();
        for (Config node : security.get("external.issuers").asNodeList().orElse(List.of())) {
            trusts.add(new Trust(
                    node.get("issuer").asString().get(),
                    URI.create(node.get("jwks.uri").asString().get()),
                    node.get("audience").asString().get(),
                    PrincipalType.fromWireName(node.get("principal.type").asString().get())
                            .orElseThrow(() -> new IllegalArgumentException("unknown principal-type in " + node.key())),
                    node.get("principal.id").asString().map(UUID::fromString).orElse(null)));
        }
        return of(trusts, outbound);
    }

    public static ExternalIssuers of(List<Trust> trusts, OutboundHttp outbound) {
        Map<String, Verifier> verifiers = new java.util.HashMap<>();
        for (int i = 0; i < trusts.size(); i++) {
            Trust trust = trusts.get(i);
            verifiers.put(trust.issuer(), new Verifier(trust, outbound.target("issuer-jwks-" + i)));
        }
        return new ExternalIssuers(Map.copyOf(verifiers));
    }

    public boolean trusts(String issuer) {
        return issuer != null && byIssuer.containsKey(issuer);
    }

    /** The principal of a token from a trusted external issuer; only call when {@link #trusts} its issuer. */
    public Principal verify(String issuer, String token) throws AccessTokens.InvalidTokenException {
        return byIssuer.get(issuer).verify(token);
    }

    private static final class Verifier {
        private final Trust trust;
        private final OutboundTarget jwksEndpoint;
        private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        private volatile JWKSet keys = new JWKSet();
        private volatile long fetchedAtNanos = Long.MIN_VALUE / 2;

        Verifier(Trust trust, OutboundTarget jwksEndpoint) {
            this.trust = trust;
            this.jwksEndpoint = jwksEndpoint;
            // RFC 9068 says at+jwt, but many identity providers still type their access tokens JWT or not at all.
            processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt"), JOSEObjectType.JWT, null));
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, (selector, context) -> {
                List<JWK> found = selector.select(keys(false));
                return found.isEmpty() ? selector.select(keys(true)) : found;
            }));
            DefaultJWTClaimsVerifier<SecurityContext> claimsVerifier = new DefaultJWTClaimsVerifier<>(trust.audience(),
                    new JWTClaimsSet.Builder().issuer(trust.issuer()).build(), Set.of("sub", "exp", "iat"));
            claimsVerifier.setMaxClockSkew(AccessTokens.CLOCK_SKEW_SECONDS);
            processor.setJWTClaimsSetVerifier(claimsVerifier);
        }

        Principal verify(String token) throws AccessTokens.InvalidTokenException {
            JWTClaimsSet claims;
            try {
                claims = processor.process(token, null);
            } catch (ParseException | BadJOSEException | com.nimbusds.jose.JOSEException e) {
                throw new AccessTokens.InvalidTokenException("the token is not valid for its issuer");
            } catch (OutboundException e) {
                throw new AccessTokens.InvalidTokenException("the token's issuer cannot be reached to check it");
            }
            Set<String> scopes = new LinkedHashSet<>(scopesOf(claims));
            scopes.retainAll(Scopes.allowedFor(trust.principalType()));
            String clientId = firstClaim(claims, "client_id", "azp").orElse("external:" + trust.issuer());
            return new Principal(trust.principalType(), trust.principalId(), clientId, scopes);
        }

        /** The cached keys; a fresh fetch when they are old, or when {@code unknownKid} and the last fetch allows. */
        private JWKSet keys(boolean unknownKid) {
            if (isDue(unknownKid)) {
                synchronized (this) {
                    if (isDue(unknownKid)) {
                        fetch();
                    }
                }
            }
            return keys;
        }

        private boolean isDue(boolean unknownKid) {
            long age = System.nanoTime() - fetchedAtNanos;
            return age > CACHE_FOR.toNanos() || unknownKid && age > REFETCH_AT_MOST_EVERY.toNanos();
        }

        private void fetch() {
            fetchedAtNanos = System.nanoTime(); // even when it fails: a dead issuer is not hammered
            JsonValue document = jwksEndpoint.sendJson(HttpRequest.newBuilder(trust.jwksUri()).GET().build());
            try {
                JWKSet fetched = JWKSet.parse(document.toString());
                keys = new JWKSet(fetched.getKeys().stream().filter(key -> !key.isPrivate()).toList());
            } catch (ParseException e) {
                LOG.log(Level.WARNING, "the JWKS of " + trust.issuer() + " is not a key set; keeping the keys known so far");
            }
        }

        private static List<String> scopesOf(JWTClaimsSet claims) {
            Object scope = claims.getClaim("scope");
            if (scope instanceof String text) {
                return List.of(text.split(" +"));
            }
            Object scp = claims.getClaim("scp");
            if (scp instanceof List<?> list) {
                return list.stream().map(String::valueOf).collect(Collectors.toList());
            }
            return List.of();
        }

        private static Optional<String> firstClaim(JWTClaimsSet claims, String... names) {
            for (String name : names) {
                Object value = claims.getClaim(name);
                if (value instanceof String text && !text.isBlank()) {
                    return Optional.of(text);
                }
            }
            return Optional.empty();
        }
    }
}
