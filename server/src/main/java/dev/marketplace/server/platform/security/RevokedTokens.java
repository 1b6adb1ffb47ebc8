package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.REVOKED_CLIENT;
import static dev.marketplace.schema.Tables.REVOKED_TOKEN;

import java.time.Clock;
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
 * {@link #REFRESH} on the others, at worst within {@link #USABLE_FOR} while a re-read is slow.
 */
public final class RevokedTokens {

    static final Duration REFRESH = Duration.ofSeconds(5);
    /**
     * Lists this old are not trusted while another request re-reads them: a slow or unreachable database (a node cut
     * off alone, while the others go on revoking) must not stretch how late a revocation elsewhere applies here.
     */
    static final Duration USABLE_FOR = REFRESH.multipliedBy(2);

    private final DSLContext dsl;
    private final Clock wallClock;
    private volatile Set<String> revoked = Set.of();
    private volatile Map<String, Instant> clientsRevokedBefore = Map.of();
    private volatile Instant loadedAt; // null until the first load
    private final AtomicBoolean refreshing = new AtomicBoolean();

    /** @param wallClock this node's clock, which says how old the lists are */
    public RevokedTokens(DSLContext dsl, Clock wallClock) {
        this.dsl = dsl;
        this.wallClock = wallClock;
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
        if (isOlderThan(USABLE_FOR)) {
            // Never loaded, or too old to answer from: every request waits for a re-read (one at a time, each after
            // the one before it: a re-read that fails fails its request, and the next request tries again).
            synchronized (this) {
                if (isOlderThan(REFRESH)) {
                    reload();
                }
            }
        } else if (isOlderThan(REFRESH) && refreshing.compareAndSet(false, true)) {
            // One request refreshes; the others go on with the lists it replaces, a few seconds older at most,
            // instead of queueing behind its statements (behind a drained pool, for seconds).
            try {
                reload();
            } finally {
                refreshing.set(false);
            }
        }
        Instant clientCutOff = clientsRevokedBefore.get(clientId);
        return revoked.contains(jti) || clientCutOff != null && !issuedAt.isAfter(clientCutOff);
    }

    private boolean isOlderThan(Duration age) {
        Instant seen = loadedAt;
        if (seen == null) {
            return true;
        }
        // A wall clock set back counts as old too: the lists are re-read once rather than held until it catches up.
        Duration elapsed = Duration.between(seen, wallClock.instant());
        return elapsed.isNegative() || elapsed.compareTo(age) > 0;
    }

    private synchronized void reload() {
        OffsetDateTime now = OffsetDateTime.now();
        dsl.deleteFrom(REVOKED_TOKEN).where(REVOKED_TOKEN.EXPIRES_AT.lt(now.minusMinutes(5))).execute();
        revoked = Set.copyOf(dsl.select(REVOKED_TOKEN.JTI).from(REVOKED_TOKEN)
                .where(REVOKED_TOKEN.EXPIRES_AT.gt(now.minusMinutes(1))).fetch(REVOKED_TOKEN.JTI));
        clientsRevokedBefore = dsl.selectFrom(REVOKED_CLIENT).fetchMap(REVOKED_CLIENT.CLIENT_ID,
                        row -> row.getTokensIssuedBefore().toInstant());
        loadedAt = wallClock.instant();
    }
}
