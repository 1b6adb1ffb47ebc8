package dev.marketplace.server.platform.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Client ids and secrets. Generated secrets carry 256 random bits, so a SHA-256 hash is as strong as a slow
 * password hash and costs nothing at the token endpoint; secrets supplied through configuration must be at
 * least {@value #MIN_CONFIGURED_SECRET_LENGTH} characters for the same reason.
 */
public final class ClientSecrets {

    public static final int MIN_CONFIGURED_SECRET_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private ClientSecrets() {
    }

    public static String newClientId() {
        StringBuilder id = new StringBuilder("cli_");
        for (int i = 0; i < 24; i++) {
            id.append(ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)]);
        }
        return id.toString();
    }

    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "mps_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison, so timing reveals nothing about the stored hash. */
    public static boolean matches(String secret, byte[] storedHash) {
        return storedHash != null && MessageDigest.isEqual(hash(secret), storedHash);
    }
}
