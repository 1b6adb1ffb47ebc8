package dev.marketplace.server.platform.security;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of secrets at rest (signing keys now, PII later). A sealed value is
 * {@code version (1 byte) | nonce (12 bytes) | ciphertext and tag}; the associated data binds it to where it
 * belongs (a row's id), so a sealed value copied to another row does not open.
 */
public final class SecretBox {

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKey key;
    /**
     * Ciphers for reuse, each used by one caller at a time and initialised by it with its own fresh nonce (never one
     * used before): a new {@code Cipher} per call cost about three times a reused one's CPU and 3.3 KB more allocation
     * (decision 141). Bounded by the processors, the most seals running at once on virtual threads; a caller that finds
     * none makes one, and one more than the bound is dropped.
     */
    private final ArrayBlockingQueue<Cipher> ciphers =
            new ArrayBlockingQueue<>(Runtime.getRuntime().availableProcessors());

    private SecretBox(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the key-encryption key must be 32 bytes (AES-256), not " + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    public static SecretBox fromBase64(String base64Key) {
        return new SecretBox(Base64.getDecoder().decode(base64Key.strip()));
    }

    public static String newBase64Key() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    public byte[] seal(byte[] plaintext, byte[] associatedData) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = cipher();
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            byte[] ciphertext = cipher.doFinal(plaintext);
            ciphers.offer(cipher);
            byte[] sealed = new byte[1 + NONCE_BYTES + ciphertext.length];
            sealed[0] = VERSION;
            System.arraycopy(nonce, 0, sealed, 1, NONCE_BYTES);
            System.arraycopy(ciphertext, 0, sealed, 1 + NONCE_BYTES, ciphertext.length);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    /** The plaintext; throws when the value was tampered with, sealed under another key, or for other data. */
    public byte[] open(byte[] sealed, byte[] associatedData) {
        if (sealed.length < 1 + NONCE_BYTES || sealed[0] != VERSION) {
            throw new IllegalArgumentException("not a sealed value of this format");
        }
        try {
            Cipher cipher = cipher();
            cipher.init(Cipher.DECRYPT_MODE, key,
                    new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES)));
            cipher.updateAAD(associatedData);
            byte[] plaintext = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
            ciphers.offer(cipher);
            return plaintext;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the sealed value does not open with this key", e);
        }
    }

    /** A kept cipher or a new one; the caller initialises it (resetting what its last use left), then gives it back. */
    private Cipher cipher() throws GeneralSecurityException {
        Cipher cipher = ciphers.poll();
        return cipher != null ? cipher : Cipher.getInstance("AES/GCM/NoPadding");
    }
}
