package dev.marketplace.migrations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The SHA-256 of a folder of migration scripts, names and contents (decision 84): any added, removed, renamed or edited
 * script changes it. The build writes the one of {@code db/migration} next to it as {@link #RESOURCE}, so a start
 * compares a constant with what the database recorded at its last migrate instead of reading and checksumming every
 * script; the jOOQ code generation skips its work while it is unchanged.
 *
 * <p>As a build step: {@code MigrationSetFingerprint <migrations folder> <output file>}.
 */
public final class MigrationSetFingerprint {

    /** Where the build puts the fingerprint of {@link Migrations#LOCATION}'s scripts, on the class path. */
    static final String RESOURCE = "db/migration-set.sha256";

    private MigrationSetFingerprint() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: MigrationSetFingerprint <migrations folder> <output file>");
        }
        Path output = Path.of(args[1]);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, of(Path.of(args[0])));
    }

    /** The fingerprint of every file below {@code folder}, in name order. */
    static String of(Path folder) throws IOException {
        MessageDigest digest = sha256();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            digest.update(folder.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            try {
                digest.update(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            digest.update((byte) 0);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
