package dev.marketplace.server.platform.security;

import io.helidon.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;

/**
 * The authorization server's settings ({@code security.*}; see the README for the environment variables).
 *
 * @param issuer              the {@code iss} of every token and the metadata's issuer (this server's public URL;
 *                            unset, {@code http://localhost:<server.port>})
 * @param audience            the {@code aud} every token carries and every request must present
 * @param accessTokenLifetime how long an access token is valid
 * @param rotateSigningKeyAfter a signing key older than this is replaced at start-up
 * @param keyEncryption       seals private signing keys at rest
 * @param operatorClientId    the operator client to create (or reset) at start-up, when automation provides one
 * @param operatorClientSecret its secret (at least 32 characters)
 */
public record SecuritySettings(String issuer,
                               String audience,
                               Duration accessTokenLifetime,
                               Duration rotateSigningKeyAfter,
                               SecretBox keyEncryption,
                               Optional<String> operatorClientId,
                               Optional<String> operatorClientSecret) {

    private static final System.Logger LOG = System.getLogger(SecuritySettings.class.getName());

    public static SecuritySettings from(Config config) {
        Config security = config.get("security");
        Path dataDirectory = Path.of(config.get("data.dir").asString().get());
        return new SecuritySettings(
                security.get("issuer").asString().filter(issuer -> !issuer.isBlank())
                        .orElseGet(() -> "http://localhost:" + config.get("server.port").asInt().get()),
                security.get("audience").asString().get(),
                security.get("token.lifetime").as(Duration.class).get(),
                security.get("signing.key.rotation").as(Duration.class).get(),
                SecretBox.fromBase64(security.get("encryption.key").asString().filter(key -> !key.isBlank())
                        .orElseGet(() -> keyEncryptionKeyFile(dataDirectory))),
                security.get("operator.client.id").asString().filter(id -> !id.isBlank()),
                security.get("operator.client.secret").asString().filter(secret -> !secret.isBlank()));
    }

    /**
     * Without a configured key-encryption key, one is generated once into the data directory (owner-only).
     * Several nodes on one database must share a configured key instead.
     */
    private static String keyEncryptionKeyFile(Path dataDirectory) {
        Path file = dataDirectory.resolve("secrets").resolve("encryption.key");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.US_ASCII);
            }
            Files.createDirectories(file.getParent());
            String key = SecretBox.newBase64Key();
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // Created owner-only, so the key is never readable by others, not even for a moment.
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                LOG.log(Level.WARNING, "cannot restrict permissions of " + file + " on this file system");
            }
            Files.writeString(file, key, StandardCharsets.US_ASCII);
            LOG.log(Level.WARNING, "generated a key-encryption key in " + file.toAbsolutePath()
                    + "; set SECURITY_ENCRYPTION_KEY when several servers share one database");
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }
}
