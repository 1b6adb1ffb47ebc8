package dev.marketplace.server.platform.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A backup of the embedded default (decision 36): the data directory's PostgreSQL files and its {@code secrets}
 * (the key that seals personal data and signing keys — without it a restored database is unreadable), copied into
 * a new directory that is itself a data directory. Restoring is starting a server with {@code DATA_DIR} pointing
 * at the copy.
 *
 * <p>With the server running, the copy is PostgreSQL's online physical backup done by hand, the way
 * {@code pg_basebackup -X fetch} does it (the embedded binaries have no {@code pg_basebackup}): a temporary
 * replication slot keeps the write-ahead log from the start on, {@code pg_backup_start} checkpoints, the files are
 * copied while the server keeps writing, {@code pg_backup_stop} gives the {@code backup_label}, and the log from
 * the start to the stop is copied beside the files; the first start on the copy replays it to a consistent state.
 * With no server running, the files are copied as they are, holding the data directory's lock so that no server
 * starts meanwhile. An external database ({@code DB_URL}) is backed up with its own tools (pg_dump, pg_basebackup,
 * the provider's snapshots).
 */
public final class DatabaseBackup {

    /** What pg_basebackup leaves out of an online backup too: the running server's state, which a start rebuilds. */
    private static final Set<String> EMPTIED_DIRECTORIES = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans", PostgresLog.DIRECTORY);
    private static final Set<String> SKIPPED_FILES = Set.of("postmaster.pid", "postmaster.opts", "current_logfiles",
            "backup_label", "tablespace_map");
    private static final Pattern WAL_SEGMENT = Pattern.compile("[0-9A-F]{24}");

    /** How a backup was taken: online (the server ran), or a copy of a stopped one's files. */
    public enum Kind { ONLINE, STOPPED_SERVER }

    private DatabaseBackup() {
    }

    /**
     * Copies {@code dataDirectory}'s database and secrets into {@code target}, which must not exist or be empty.
     *
     * @throws IllegalStateException when the data directory holds no embedded database, or the target is not empty
     */
    public static Kind backUp(Path dataDirectory, Path target) {
        Path postgresFiles = dataDirectory.resolve("postgres");
        if (!Files.exists(postgresFiles.resolve("PG_VERSION"))) {
            throw new IllegalStateException(dataDirectory.toAbsolutePath() + " holds no embedded database");
        }
        try {
            createEmpty(target);
            Kind kind;
            Optional<FileChannel> lock = EmbeddedDatabase.tryLock(dataDirectory);
            if (lock.isPresent()) {
                try (FileChannel stopped = lock.get()) {
                    // a crashed server's PostgreSQL is stopped first; its log is replayed at the copy's first start
                    LeftoverPostmaster.clear(postgresFiles.toAbsolutePath());
                    copyFiles(postgresFiles, target.resolve("postgres"), Set.of(), Set.of("postmaster.pid"));
                }
                kind = Kind.STOPPED_SERVER;
            } else {
                copyOnline(postgresFiles, target.resolve("postgres"));
                kind = Kind.ONLINE;
            }
            copySecrets(dataDirectory, target);
            return kind;
        } catch (IOException e) {
            throw new UncheckedIOException("backing up " + dataDirectory.toAbsolutePath() + " into " + target, e);
        }
    }

    private static void copyOnline(Path postgresFiles, Path copy) throws IOException {
        String url = "jdbc:postgresql://127.0.0.1:" + EmbeddedDatabase.portIn(postgresFiles) + "/postgres?user=postgres";
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            // Session-bound: the slot and the backup end with this connection, whatever happens to this process.
            statement.execute("SELECT pg_create_physical_replication_slot('backup_' || pg_backend_pid(), true, true)");
            String startSegment = value(statement, "SELECT pg_walfile_name(pg_backup_start('marketplace backup', true))");
            copyFiles(postgresFiles, copy, EMPTIED_DIRECTORIES, SKIPPED_FILES);
            String stopSegment;
            try (ResultSet stop = statement.executeQuery(
                    "SELECT pg_walfile_name(lsn), labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                stop.next();
                stopSegment = stop.getString(1);
                Files.writeString(copy.resolve("backup_label"), stop.getString(2));
                String tablespaceMap = stop.getString(3);
                if (tablespaceMap != null && !tablespaceMap.isEmpty()) {
                    Files.writeString(copy.resolve("tablespace_map"), tablespaceMap);
                }
            }
            copyWriteAheadLog(postgresFiles.resolve("pg_wal"), copy.resolve("pg_wal"), startSegment, stopSegment);
        } catch (SQLException e) {
            throw new IllegalStateException("the online backup of the embedded PostgreSQL failed: " + e.getMessage(), e);
        }
    }

    private static String value(Statement statement, String sql) throws SQLException {
        try (ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    /** The segments from the backup's start to its stop (names order by timeline, then position), and timeline histories. */
    private static void copyWriteAheadLog(Path wal, Path copy, String startSegment, String stopSegment) throws IOException {
        List<Path> needed;
        try (Stream<Path> files = Files.list(wal)) {
            needed = files.filter(file -> {
                String name = file.getFileName().toString();
                return name.endsWith(".history") || (WAL_SEGMENT.matcher(name).matches()
                        && name.compareTo(startSegment) >= 0 && name.compareTo(stopSegment) <= 0);
            }).toList();
        }
        for (Path file : needed) {
            Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        if (needed.stream().noneMatch(file -> file.getFileName().toString().equals(stopSegment))) {
            throw new IllegalStateException("the write-ahead log segment " + stopSegment + " ending the backup is gone");
        }
    }

    /**
     * A copy of a directory PostgreSQL may be writing to: files that vanish meanwhile (a dropped table) are skipped,
     * and so are the named files and the contents of the named directories at its top.
     */
    private static void copyFiles(Path from, Path to, Set<String> emptiedDirectories, Set<String> skippedFiles)
            throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) throws IOException {
                Path copy = Files.createDirectories(to.resolve(from.relativize(directory).toString()));
                // PostgreSQL refuses a data directory others may read
                Files.setPosixFilePermissions(copy, Files.getPosixFilePermissions(directory));
                boolean emptied = !directory.equals(from) && directory.getParent().equals(from)
                        && emptiedDirectories.contains(directory.getFileName().toString());
                return emptied || directory.getFileName().toString().startsWith("pgsql_tmp")
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (!(file.getParent().equals(from) && skippedFiles.contains(file.getFileName().toString()))) {
                    try {
                        Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (NoSuchFileException vanished) {
                        // dropped while copying; the write-ahead log replay drops it in the copy as well
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    private static void copySecrets(Path dataDirectory, Path target) throws IOException {
        Path secrets = dataDirectory.resolve("secrets");
        if (Files.isDirectory(secrets)) {
            copyFiles(secrets, target.resolve("secrets"), Set.of(), Set.of());
        }
    }

    private static void createEmpty(Path target) throws IOException {
        if (Files.exists(target)) {
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException("the backup's target " + target.toAbsolutePath() + " is not empty");
                }
            }
        }
        Files.createDirectories(target);
    }
}
