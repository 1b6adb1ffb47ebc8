package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.SIGNING_KEY;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.marketplace.schema.tables.records.SigningKeyRecord;
import dev.marketplace.server.platform.persistence.AdvisoryLocks;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The keys that sign access tokens (ES256, each with a {@code kid}), kept in PostgreSQL so that every node
 * signs and verifies with the same set. Rotation without downtime: a new key starts signing, the previous one
 * stays published and keeps verifying until the last token it signed has expired.
 */
public final class SigningKeys {

    public static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;
    private static final long ROTATION_LOCK = 0x6b65795f726f7461L; // "key_rota"
    // Nodes re-read the keys this often, so a rotation on one node reaches the others.
    private static final Duration REFRESH = Duration.ofMinutes(1);

    private record Snapshot(ECKey signing, JWKSet published, Instant loadedAt) {
    }

    private final DSLContext dsl;
    private final SecretBox sealer;
    private final Duration verifyRetiredFor;
    private final Clock wallClock;
    private volatile Snapshot snapshot;

    /** @param wallClock this node's own clock, which the tokens these keys sign are issued and checked by */
    public SigningKeys(DSLContext dsl, SecretBox sealer, Duration accessTokenLifetime, Clock wallClock) {
        this.dsl = dsl;
        this.wallClock = wallClock;
        this.sealer = sealer;
        // Tokens live accessTokenLifetime; nodes may sign with a just-retired key for up to REFRESH; 60 s of clock skew.
        this.verifyRetiredFor = accessTokenLifetime.plus(REFRESH).plusSeconds(60);
    }

    /** At start-up: makes sure an active key exists and is younger than {@code rotateAfter}. */
    public void ensureActiveKey(Duration rotateAfter) {
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            lock(db);
            SigningKeyRecord active = db.selectFrom(SIGNING_KEY).where(SIGNING_KEY.RETIRED_AT.isNull()).fetchOne();
            if (active == null || active.getCreatedAt().isBefore(OffsetDateTime.now().minus(rotateAfter))) {
                rotate(db);
            }
        });
        reload();
    }

    /** Retires the active key and makes a new one the signer, on every node within a minute. */
    public void rotate() {
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            lock(db);
            rotate(db);
        });
        reload();
    }

    /** The private key that signs new tokens. */
    public ECKey signingKey() {
        return current().signing();
    }

    /** The public keys that verify tokens: the signer and the retired keys whose tokens may still be valid. */
    public JWKSet publishedKeys() {
        return current().published();
    }

    /** Re-reads the keys now, e.g. when a token names a kid this node has not seen (another node rotated). */
    public JWKSet reloadIfOlderThan(Duration age) {
        if (isOlderThan(age)) {
            synchronized (this) {
                if (isOlderThan(age)) {
                    reload();
                }
            }
        }
        return snapshot.published();
    }

    private Snapshot current() {
        if (isOlderThan(REFRESH)) {
            synchronized (this) {
                if (isOlderThan(REFRESH)) { // one caller re-reads; the others that waited use its result
                    reload();
                }
            }
        }
        return snapshot;
    }

    private boolean isOlderThan(Duration age) {
        Snapshot seen = snapshot;
        if (seen == null) {
            return true;
        }
        // A wall clock set back counts as old too: the keys are re-read once rather than held until it catches up.
        Duration elapsed = Duration.between(seen.loadedAt(), wallClock.instant());
        return elapsed.isNegative() || elapsed.compareTo(age) > 0;
    }

    private synchronized void reload() {
        Instant now = wallClock.instant();
        OffsetDateTime oldestStillValid = OffsetDateTime.ofInstant(now, ZoneOffset.UTC).minus(verifyRetiredFor);
        List<SigningKeyRecord> rows = dsl.selectFrom(SIGNING_KEY)
                .where(SIGNING_KEY.RETIRED_AT.isNull().or(SIGNING_KEY.RETIRED_AT.gt(oldestStillValid)))
                .orderBy(SIGNING_KEY.CREATED_AT.desc())
                .fetch();
        ECKey signing = null;
        List<JWK> published = new java.util.ArrayList<>();
        for (SigningKeyRecord row : rows) {
            try {
                published.add(JWK.parse(row.getPublicJwk()));
                if (row.getRetiredAt() == null) {
                    byte[] privateJwk = sealer.open(row.getPrivateJwkSealed(), row.getKid().getBytes(StandardCharsets.UTF_8));
                    signing = ECKey.parse(new String(privateJwk, StandardCharsets.UTF_8));
                }
            } catch (ParseException e) {
                throw new IllegalStateException("signing key " + row.getKid() + " is corrupt", e);
            }
        }
        if (signing == null) {
            throw new IllegalStateException("no active signing key; ensureActiveKey() runs at start-up");
        }
        snapshot = new Snapshot(signing, new JWKSet(published), now);
    }

    private void rotate(DSLContext db) {
        ECKey key;
        try {
            key = new ECKeyGenerator(Curve.P_256)
                    .keyID(UUID.randomUUID().toString())
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(ALGORITHM)
                    .generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a P-256 key", e);
        }
        db.update(SIGNING_KEY).set(SIGNING_KEY.RETIRED_AT, DSL.currentOffsetDateTime())
                .where(SIGNING_KEY.RETIRED_AT.isNull()).execute();
        db.insertInto(SIGNING_KEY)
                .set(SIGNING_KEY.KID, key.getKeyID())
                .set(SIGNING_KEY.ALGORITHM, ALGORITHM.getName())
                .set(SIGNING_KEY.PUBLIC_JWK, key.toPublicJWK().toJSONString())
                .set(SIGNING_KEY.PRIVATE_JWK_SEALED, sealer.seal(key.toJSONString().getBytes(StandardCharsets.UTF_8),
                        key.getKeyID().getBytes(StandardCharsets.UTF_8)))
                .execute();
    }

    private static void lock(DSLContext db) {
        AdvisoryLocks.lockForTransaction(db, ROTATION_LOCK);
    }
}
