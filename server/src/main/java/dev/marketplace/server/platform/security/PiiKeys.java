package dev.marketplace.server.platform.security;

import dev.marketplace.server.platform.jobs.Jobs;
import io.helidon.config.Config;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The keys sealing personal data at rest (AES-256-GCM through {@link SecretBox}). Each sealed row names the key
 * it was sealed with; the current key seals, every configured key opens, so a key is rotated by making a new one
 * current, listing the old one under {@code security.pii.previous.keys.<id>}, and re-encrypting (each domain holding
 * personal data has a re-sealing job, {@link #resealingJob}) before the old key is removed.
 */
public final class PiiKeys {

    /** Re-sealing runs at start-up, then hourly on every node (SKIP LOCKED). */
    private static final Duration RESEALING_EVERY = Duration.ofHours(1);
    /** Rows re-sealed per transaction. */
    private static final int RESEALING_BATCH = 500;

    /** Re-seals one batch of a domain's rows under the current key; how many it re-sealed. */
    @FunctionalInterface
    public interface Resealing {
        int resealBatch(int batchSize);
    }

    private final String currentId;
    private final Map<String, SecretBox> keys;

    public PiiKeys(String currentId, Map<String, SecretBox> keys) {
        if (!keys.containsKey(currentId)) {
            throw new IllegalArgumentException("the current PII key " + currentId + " is not among the keys");
        }
        this.currentId = currentId;
        this.keys = Map.copyOf(keys);
    }

    /**
     * {@code security.pii.current.id} and {@code security.pii.current.key} (base64, 32 bytes) seal; without a
     * configured key the key-encryption key is used under the id {@code kek}. {@code security.pii.previous.keys.<id>}
     * only open.
     */
    public static PiiKeys from(Config security, SecretBox keyEncryptionKey) {
        Config pii = security.get("pii");
        Map<String, SecretBox> keys = new HashMap<>();
        pii.get("previous.keys").detach().asMap().orElse(Map.of())
                .forEach((id, key) -> keys.put(id, SecretBox.fromBase64(key)));
        String currentId = pii.get("current.id").asString().filter(id -> !id.isBlank()).orElse("kek");
        keys.put(currentId, pii.get("current.key").asString().filter(key -> !key.isBlank())
                .map(SecretBox::fromBase64).orElse(keyEncryptionKey));
        return new PiiKeys(currentId, keys);
    }

    /**
     * Schedules a domain's job {@code <domain>.personal-data-resealing}: at start-up and hourly, batches until no row
     * is left sealed under a retired key (or not yet sealed).
     */
    public static void resealingJob(Jobs jobs, String domain, Resealing resealing) {
        jobs.schedule(domain + ".personal-data-resealing", Duration.ZERO, RESEALING_EVERY, () -> {
            long resealed = 0;
            int step;
            while ((step = resealing.resealBatch(RESEALING_BATCH)) > 0) {
                resealed += step;
            }
            return resealed;
        });
    }

    public String currentId() {
        return currentId;
    }

    public byte[] seal(byte[] plaintext, byte[] associatedData) {
        return keys.get(currentId).seal(plaintext, associatedData);
    }

    /** Opens a value sealed with the key {@code keyId}; throws when that key is no longer configured. */
    public byte[] open(String keyId, byte[] sealed, byte[] associatedData) {
        SecretBox key = keys.get(keyId);
        if (key == null) {
            throw new IllegalStateException("personal data is sealed with the PII key " + keyId
                    + ", which is not configured (security.pii.previous.keys." + keyId + ")");
        }
        return key.open(sealed, associatedData);
    }
}
