package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.REVOKED_CLIENT;
import static dev.marketplace.schema.Tables.REVOKED_TOKEN;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jooq.DSLContext;

/**
 * Access tokens revoked before their expiry: one by one (RFC 7009), or all those a client was issued before
 * a moment (when the client is disabled). Checked on every request, so both lists are held in memory and
 * re-read from PostgreSQL every few seconds: a revocation applies at once on the node that took it and within
 * {@link #REFRESH} on the others.
 */
public final class RevokedTokens {

    static final Duration REFRESH = Duration.ofSeconds(5);

    private static final long NEVER = Long.MIN_VALUE;

    private final DSLContext dsl;
    private volatile Set<String> revoked = Set.of();
    private volatile Map<String, Instant> clientsRevokedBefore = Map.of();
    private volatile long loadedAtNanos = NEVER;
    private final AtomicBoolean refreshing = new AtomicBoolean();

    public RevokedTokens(DSLContext dsl) {
        this.dsl = dsl;
    }

    public void revoke(String jti, String clientId, Instant expiresAt) {
        insert(dsl, jti, clientId, expiresAt);
        reload();
    }

    /**
     * {@link #revoke(String, String, Instant)} in the caller's transaction, without a second pooled connection: held
     * revoked on this node at once (should the transaction roll back, the next reload forgets it), on the others
     * within {@link #REFRESH} of the commit.
     */
    public void revoke(DSLContext db, String jti, String clientId, Instant expiresAt) {
        insert(db, jti, clientId, expiresAt);
        synchronized (this) {
            Set<String> withIt = new HashSet<>(revoked);
            withIt.add(jti);
            revoked = Set.copyOf(withIt);
        }
    }

    private static void insert(DSLContext db, String jti, String clientId, Instant expiresAt) {
        db.insertInto(REVOKED_TOKEN)
                .set(REVOKED_TOKEN.JTI, jti)
                .set(REVOKED_TOKEN.CLIENT_ID, clientId)
                .set(REVOKED_TOKEN.EXPIRES_AT, OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC))
                .onConflictDoNothing()
                .execute();
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
            if (loadedAtNanos == NEVER) {
                synchronized (this) {
                    if (isStale()) { // the first load: every request waits for it
                        reload();
                    }
                }
            } else if (refreshing.compareAndSet(false, true)) {
                // One request refreshes; the others go on with the lists it replaces, a few milliseconds older,
                // instead of queueing behind its statements (behind a drained pool, for seconds).
                try {
                    reload();
                } finally {
                    refreshing.set(false);
                }
            }
        }
        Instant clientCutOff = clientsRevokedBefore.get(clientId);
        return revoked.contains(jti) || clientCutOff != null && !issuedAt.isAfter(clientCutOff);
    }

    private boolean isStale() {
        // NEVER is tested apart: System.nanoTime() - Long.MIN_VALUE overflows to a negative number ("fresh").
        return loadedAtNanos == NEVER || System.nanoTime() - loadedAtNanos > REFRESH.toNanos();
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
