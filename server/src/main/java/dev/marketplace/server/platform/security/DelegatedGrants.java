package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.AUTHORIZATION_CODE;
import static dev.marketplace.schema.Tables.FAMILY_ACCESS_TOKEN;
import static dev.marketplace.schema.Tables.OAUTH_CONSENT;
import static dev.marketplace.schema.Tables.REFRESH_TOKEN;
import static dev.marketplace.schema.Tables.TOKEN_FAMILY;

import com.nimbusds.jwt.SignedJWT;
import dev.marketplace.schema.tables.records.TokenFamilyRecord;
import dev.marketplace.server.clients.ApiClient;
import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * What customers delegate to clients: consents, authorization codes (single-use, short-lived, bound to the
 * redirect URI and a PKCE S256 challenge) and refresh tokens (rotated on every use, expiring after inactivity).
 * The tokens one code leads to form a family: a replayed code or a reused refresh token revokes the whole
 * family, access tokens included (RFC 6749 §4.1.2, RFC 9700 §4.14.2). Only hashes of codes and refresh tokens
 * are stored.
 */
public final class DelegatedGrants {

    /** How long an authorization code may wait for its exchange. */
    public static final Duration CODE_LIFETIME = Duration.ofSeconds(60);

    /** Why a code or refresh token was refused: always {@code invalid_grant} (RFC 6749 §5.2). */
    public static final class InvalidGrantException extends Exception {
        public InvalidGrantException(String description) {
            super(description, null, false, false);
        }
    }

    /** What the token endpoint returns for this grant. */
    public record Tokens(AccessTokens.IssuedToken accessToken, String refreshToken) {
    }

    /** A client holding a customer's consent. */
    public record Consent(String clientId, String clientName, Set<String> scopes, OffsetDateTime grantedAt) {
    }

    private final DSLContext dsl;
    private final ApiClientService clients;
    private final AccessTokens accessTokens;
    private final RevokedTokens revokedTokens;
    private final Duration refreshTokenIdleTimeout;

    public DelegatedGrants(DSLContext dsl, ApiClientService clients, AccessTokens accessTokens,
                           RevokedTokens revokedTokens, Duration refreshTokenIdleTimeout) {
        this.dsl = dsl;
        this.clients = clients;
        this.accessTokens = accessTokens;
        this.revokedTokens = revokedTokens;
        this.refreshTokenIdleTimeout = refreshTokenIdleTimeout;
    }

    /** The scopes the customer already granted the client (empty when none). */
    public Set<String> consentedScopes(UUID customerId, String clientId) {
        return dsl.select(OAUTH_CONSENT.SCOPES).from(OAUTH_CONSENT)
                .where(OAUTH_CONSENT.CUSTOMER_ID.eq(customerId), OAUTH_CONSENT.CLIENT_ID.eq(clientId))
                .fetchOptional(OAUTH_CONSENT.SCOPES).map(scopes -> Set.of(scopes)).orElse(Set.of());
    }

    /**
     * Records the customer's consent (adding to what was granted before) and issues an authorization code for
     * exactly the requested scopes; returns the code, which is stored only as a hash.
     */
    public String consentAndIssueCode(UUID customerId, ApiClient client, Set<String> scopes, String redirectUri,
                                      String codeChallenge) {
        String code = ClientSecrets.newSecret();
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            Set<String> granted = new TreeSet<>(scopes);
            db.select(OAUTH_CONSENT.SCOPES).from(OAUTH_CONSENT)
                    .where(OAUTH_CONSENT.CUSTOMER_ID.eq(customerId), OAUTH_CONSENT.CLIENT_ID.eq(client.clientId()))
                    .forUpdate().fetchOptional(OAUTH_CONSENT.SCOPES).ifPresent(before -> granted.addAll(List.of(before)));
            db.insertInto(OAUTH_CONSENT)
                    .set(OAUTH_CONSENT.CUSTOMER_ID, customerId)
                    .set(OAUTH_CONSENT.CLIENT_ID, client.clientId())
                    .set(OAUTH_CONSENT.SCOPES, granted.toArray(String[]::new))
                    .onConflict(OAUTH_CONSENT.CUSTOMER_ID, OAUTH_CONSENT.CLIENT_ID).doUpdate()
                    .set(OAUTH_CONSENT.SCOPES, granted.toArray(String[]::new))
                    .set(OAUTH_CONSENT.GRANTED_AT, DSL.currentOffsetDateTime())
                    .execute();
            UUID family = UUID.randomUUID();
            db.insertInto(TOKEN_FAMILY)
                    .set(TOKEN_FAMILY.ID, family)
                    .set(TOKEN_FAMILY.CLIENT_ID, client.clientId())
                    .set(TOKEN_FAMILY.CUSTOMER_ID, customerId)
                    .set(TOKEN_FAMILY.SCOPES, new TreeSet<>(scopes).toArray(String[]::new))
                    .execute();
            db.insertInto(AUTHORIZATION_CODE)
                    .set(AUTHORIZATION_CODE.CODE_HASH, ClientSecrets.hash(code))
                    .set(AUTHORIZATION_CODE.FAMILY_ID, family)
                    .set(AUTHORIZATION_CODE.REDIRECT_URI, redirectUri)
                    .set(AUTHORIZATION_CODE.CODE_CHALLENGE, codeChallenge)
                    .set(AUTHORIZATION_CODE.EXPIRES_AT, OffsetDateTime.now().plus(CODE_LIFETIME))
                    .execute();
        });
        return code;
    }

    /**
     * Exchanges a code (RFC 6749 §4.1.3, RFC 7636 §4.6): it must be this client's, unexpired, unused, sent with
     * the same redirect URI and a verifier whose S256 hash is the challenge. A second use revokes every token
     * issued from the code.
     */
    public Tokens exchangeCode(ApiClient client, String code, String redirectUri, String codeVerifier)
            throws InvalidGrantException {
        var stored = dsl.select(AUTHORIZATION_CODE.asterisk(), TOKEN_FAMILY.CLIENT_ID, TOKEN_FAMILY.REVOKED_AT)
                .from(AUTHORIZATION_CODE).join(TOKEN_FAMILY).on(TOKEN_FAMILY.ID.eq(AUTHORIZATION_CODE.FAMILY_ID))
                .where(AUTHORIZATION_CODE.CODE_HASH.eq(ClientSecrets.hash(code)))
                .fetchOptional();
        if (stored.isEmpty() || !stored.get().get(TOKEN_FAMILY.CLIENT_ID).equals(client.clientId())) {
            throw new InvalidGrantException("the authorization code is not valid");
        }
        UUID family = stored.get().get(AUTHORIZATION_CODE.FAMILY_ID);
        int claimed = dsl.update(AUTHORIZATION_CODE).set(AUTHORIZATION_CODE.USED_AT, DSL.currentOffsetDateTime())
                .where(AUTHORIZATION_CODE.CODE_HASH.eq(ClientSecrets.hash(code)), AUTHORIZATION_CODE.USED_AT.isNull())
                .execute();
        if (claimed == 0) {
            revokeFamilies(List.of(family));
            throw new InvalidGrantException("the authorization code was already used; the tokens issued from it are revoked");
        }
        if (stored.get().get(AUTHORIZATION_CODE.EXPIRES_AT).isBefore(OffsetDateTime.now())) {
            throw new InvalidGrantException("the authorization code has expired");
        }
        if (!stored.get().get(AUTHORIZATION_CODE.REDIRECT_URI).equals(redirectUri)) {
            throw new InvalidGrantException("redirect_uri differs from the authorization request's");
        }
        if (codeVerifier == null || !codeVerifier.matches("[A-Za-z0-9._~-]{43,128}")
                || !MessageDigest.isEqual(s256(codeVerifier).getBytes(StandardCharsets.US_ASCII),
                stored.get().get(AUTHORIZATION_CODE.CODE_CHALLENGE).getBytes(StandardCharsets.US_ASCII))) {
            throw new InvalidGrantException("code_verifier is missing or does not match the code_challenge");
        }
        TokenFamilyRecord row = dsl.selectFrom(TOKEN_FAMILY).where(TOKEN_FAMILY.ID.eq(family)).fetchSingle();
        return issue(client, row, Set.of(row.getScopes()));
    }

    /**
     * Rotates a refresh token (RFC 9700 §4.14.2): the presented one is used up and a new one issued in its
     * family. A token used before, a revoked family or one idle longer than the timeout is refused; reuse of a
     * used token revokes the family, since either its holder or a thief now holds the newer one.
     */
    public Tokens refresh(ApiClient client, String refreshToken, Optional<Set<String>> narrowerScopes)
            throws InvalidGrantException {
        byte[] hash = ClientSecrets.hash(refreshToken);
        var stored = dsl.select(REFRESH_TOKEN.FAMILY_ID, REFRESH_TOKEN.EXPIRES_AT, TOKEN_FAMILY.CLIENT_ID)
                .from(REFRESH_TOKEN).join(TOKEN_FAMILY).on(TOKEN_FAMILY.ID.eq(REFRESH_TOKEN.FAMILY_ID))
                .where(REFRESH_TOKEN.TOKEN_HASH.eq(hash)).fetchOptional();
        if (stored.isEmpty() || !stored.get().get(TOKEN_FAMILY.CLIENT_ID).equals(client.clientId())) {
            throw new InvalidGrantException("the refresh token is not valid");
        }
        UUID family = stored.get().get(REFRESH_TOKEN.FAMILY_ID);
        int claimed = dsl.update(REFRESH_TOKEN).set(REFRESH_TOKEN.USED_AT, DSL.currentOffsetDateTime())
                .where(REFRESH_TOKEN.TOKEN_HASH.eq(hash), REFRESH_TOKEN.USED_AT.isNull()).execute();
        if (claimed == 0) {
            revokeFamilies(List.of(family));
            throw new InvalidGrantException("the refresh token was already used; every token of its grant is revoked");
        }
        TokenFamilyRecord row = dsl.selectFrom(TOKEN_FAMILY).where(TOKEN_FAMILY.ID.eq(family)).fetchSingle();
        if (row.getRevokedAt() != null) {
            throw new InvalidGrantException("the grant was revoked");
        }
        if (stored.get().get(REFRESH_TOKEN.EXPIRES_AT).isBefore(OffsetDateTime.now())) {
            throw new InvalidGrantException("the refresh token expired after inactivity");
        }
        if (narrowerScopes.isPresent() && !Set.of(row.getScopes()).containsAll(narrowerScopes.get())) {
            throw new InvalidGrantException("a refresh can only ask for scopes of the original grant");
        }
        // A narrower access token leaves the grant as it was: the next refresh may ask for all of it again.
        return issue(client, row, narrowerScopes.orElse(Set.of(row.getScopes())));
    }

    private Tokens issue(ApiClient client, TokenFamilyRecord family, Set<String> scopes) throws InvalidGrantException {
        if (family.getRevokedAt() != null) {
            throw new InvalidGrantException("the grant was revoked");
        }
        AccessTokens.IssuedToken access = accessTokens.issue(
                client.principalWith(scopes).actingFor(family.getCustomerId(), scopes));
        String refresh = ClientSecrets.newSecret();
        dsl.transaction(tx -> {
            tx.dsl().insertInto(FAMILY_ACCESS_TOKEN)
                    .set(FAMILY_ACCESS_TOKEN.JTI, jtiOf(access))
                    .set(FAMILY_ACCESS_TOKEN.FAMILY_ID, family.getId())
                    .set(FAMILY_ACCESS_TOKEN.EXPIRES_AT, OffsetDateTime.now().plus(access.expiresIn()))
                    .execute();
            tx.dsl().insertInto(REFRESH_TOKEN)
                    .set(REFRESH_TOKEN.TOKEN_HASH, ClientSecrets.hash(refresh))
                    .set(REFRESH_TOKEN.FAMILY_ID, family.getId())
                    .set(REFRESH_TOKEN.EXPIRES_AT, OffsetDateTime.now().plus(refreshTokenIdleTimeout))
                    .execute();
        });
        return new Tokens(access, refresh);
    }

    public Page<Consent> consents(UUID customerId, PageRequest page) {
        var after = page.after().map(cursor -> OAUTH_CONSENT.CLIENT_ID.gt(cursor.keys().getFirst()))
                .orElse(DSL.noCondition());
        var rows = dsl.select(OAUTH_CONSENT.CLIENT_ID, OAUTH_CONSENT.SCOPES, OAUTH_CONSENT.GRANTED_AT)
                .from(OAUTH_CONSENT)
                .where(OAUTH_CONSENT.CUSTOMER_ID.eq(customerId)).and(after)
                .orderBy(OAUTH_CONSENT.CLIENT_ID)
                .limit(page.fetchSize())
                .fetch();
        // Clients are never deleted (a consent references its client), so every one has a name.
        Map<String, String> names = clients.namesOf(rows.getValues(OAUTH_CONSENT.CLIENT_ID));
        List<Consent> consents = rows.map(row -> new Consent(row.value1(), names.get(row.value1()), Set.of(row.value2()),
                row.value3()));
        return Page.fromLookahead(consents, page.limit(), consent -> Cursor.of(consent.clientId()));
    }

    /** Withdraws a customer's consent from a client and revokes every token it holds for them; false when there was none. */
    public boolean revokeConsent(UUID customerId, String clientId) {
        boolean existed = dsl.deleteFrom(OAUTH_CONSENT)
                .where(OAUTH_CONSENT.CUSTOMER_ID.eq(customerId), OAUTH_CONSENT.CLIENT_ID.eq(clientId)).execute() > 0;
        revokeFamilies(dsl.select(TOKEN_FAMILY.ID).from(TOKEN_FAMILY)
                .where(TOKEN_FAMILY.CUSTOMER_ID.eq(customerId), TOKEN_FAMILY.CLIENT_ID.eq(clientId),
                        TOKEN_FAMILY.REVOKED_AT.isNull()).fetch(TOKEN_FAMILY.ID));
        return existed;
    }

    /** Ends everything a customer delegated (account closed or erased, password reset): consents and tokens. */
    public void revokeAll(DSLContext db, UUID customerId) {
        db.deleteFrom(OAUTH_CONSENT).where(OAUTH_CONSENT.CUSTOMER_ID.eq(customerId)).execute();
        revokeFamilies(db, db.select(TOKEN_FAMILY.ID).from(TOKEN_FAMILY)
                .where(TOKEN_FAMILY.CUSTOMER_ID.eq(customerId), TOKEN_FAMILY.REVOKED_AT.isNull()).fetch(TOKEN_FAMILY.ID));
    }

    private void revokeFamilies(List<UUID> families) {
        revokeFamilies(dsl, families);
    }

    private void revokeFamilies(DSLContext db, List<UUID> families) {
        if (families.isEmpty()) {
            return;
        }
        db.update(TOKEN_FAMILY).set(TOKEN_FAMILY.REVOKED_AT, DSL.currentOffsetDateTime())
                .where(TOKEN_FAMILY.ID.in(families), TOKEN_FAMILY.REVOKED_AT.isNull()).execute();
        db.select(FAMILY_ACCESS_TOKEN.JTI, TOKEN_FAMILY.CLIENT_ID, FAMILY_ACCESS_TOKEN.EXPIRES_AT)
                .from(FAMILY_ACCESS_TOKEN).join(TOKEN_FAMILY).on(TOKEN_FAMILY.ID.eq(FAMILY_ACCESS_TOKEN.FAMILY_ID))
                .where(FAMILY_ACCESS_TOKEN.FAMILY_ID.in(families),
                        FAMILY_ACCESS_TOKEN.EXPIRES_AT.gt(DSL.currentOffsetDateTime()))
                .fetch() // read whole first: a lazy forEach would keep its connection while each revocation takes one
                .forEach(row -> revokedTokens.revoke(db, row.value1(), row.value2(), row.value3().toInstant()));
    }

    /**
     * Deletes what can no longer be used: authorization codes and refresh tokens a day past expiry
     * (until then a replay still finds them and revokes their family), access-token ids past expiry. Returns the
     * number of rows deleted.
     */
    public int purgeExpired() {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            return db.deleteFrom(AUTHORIZATION_CODE).where(AUTHORIZATION_CODE.EXPIRES_AT.lt(OffsetDateTime.now().minusDays(1))).execute()
                    + db.deleteFrom(REFRESH_TOKEN).where(REFRESH_TOKEN.EXPIRES_AT.lt(OffsetDateTime.now().minusDays(1))).execute()
                    + db.deleteFrom(FAMILY_ACCESS_TOKEN).where(FAMILY_ACCESS_TOKEN.EXPIRES_AT.lt(OffsetDateTime.now())).execute();
        });
    }

    /** RFC 7636 §4.2: BASE64URL(SHA-256(ASCII(code_verifier))), without padding. */
    public static String s256(String codeVerifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(codeVerifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The id of a token this server just signed (to revoke it with its family). */
    private static String jtiOf(AccessTokens.IssuedToken token) {
        try {
            return SignedJWT.parse(token.value()).getJWTClaimsSet().getJWTID();
        } catch (ParseException e) {
            throw new IllegalStateException("cannot read an access token this server issued", e);
        }
    }
}
