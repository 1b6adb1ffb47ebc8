package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.REVOKED_CLIENT;
import static dev.marketplace.schema.Tables.REVOKED_TOKEN;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.jooq.DSLContext;

/**
 * Access tokens revoked before their expiry: one by one (RFC 7009), or all those a client was issued before
 * a moment (when the client is disabled). Checked on every request, so both lists are held in memory and
 * re-read from PostgreSQL every few seconds: a revocation applies at once on the node that took it and within
 * {@link #REFRESH} on the others.
 */
public final class RevokedTokens {

    static final Duration REFRESH = Duration.ofSeconds(5);

    private final DSLContext dsl;
    private volatile Set<String> revoked = Set.of();
    private volatile Map<String, Instant> clientsRevokedBefore = Map.of();
    private volatile long loadedAtNanos = Long.MIN_VALUE;

    public RevokedTokens(DSLContext dsl) {
        this.dsl = dsl;
    }

    public void revoke(String jti, String clientId, Instant expiresAt) {
        dsl.insertInto(REVOKED_TOKEN)
                .set(REVOKED_TOKEN.JTI, jti)
                .set(REVOKED_TOKEN.CLIENT_ID, clientId)
                .set(REVOKED_TOKEN.EXPIRES_AT, OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC))
                .onConflictDoNothing()
                .execute();
        reload();
    }

    /** Ends every token {@code clientId} holds now; tokens issued later are unaffected. */
    public void revokeAllOf(String clientId) {
        OffsetDateTime now = OffsetDateTime.now();
        dsl.insertInto(REVOKED_CLIENT)
                .set(REVOKED_CLIENT.CLIENT_ID, clientId)
                .set(REVOKED_CLIENT.TOKENS_ISSUED_BEFORE, now)
                .onConflict(REVOKED_CLIENT.CLIENT_ID).doUpdate().set(REVOKED_CLIENT.TOKENS_ISSUED_BEFORE, now)
                .execute();
        reload();
    }

    public boolean isRevoked(String jti, String clientId, Instant issuedAt) {
        if (isStale()) {
            synchronized (this) {
                if (isStale()) { // one request refreshes; the others that waited use its result
                    reload();
                }
            }
        }
        Instant clientCutOff = clientsRevokedBefore.get(clientId);
        return revoked.contains(jti) || clientCutOff != null && !issuedAt.isAfter(clientCutOff);
    }

    private boolean isStale() {
        return System.nanoTime() - loadedAtNanos > REFRESH.toNanos();
    }

    private synchronized void reload() {
        OffsetDateTime now = OffsetDateTime.now();
        dsl.deleteFrom(REVOKED_TOKEN).where(REVOKED_TOKEN.EXPIRES_AT.lt(now.minusMinutes(5))).execute();
        revoked = Set.copyOf(dsl.select(REVOKED_TOKEN.JTI).from(REVOKED_TOKEN)
                .where(REVOKED_TOKEN.EXPIRES_AT.gt(now.minusMinutes(1))).fetch(REVOKED_TOKEN.JTI));
        clientsRevokedBefore = dsl.selectFrom(REVOKED_CLIENT).fetchMap(REVOKED_CLIENT.CLIENT_ID,
                        row -> row.getTokensIssuedBefore().toInstant());
        loadedAtNanos = System.nanoTime();
    }
}
