package dev.marketplace.server.platform.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded PostgreSQL of the README's run command, its files in {@code <data.dir>/postgres}. One server process
 * owns it: it holds a lock on {@code <data.dir>/server.lock} for as long as it runs, and the file names the process
 * until it closes cleanly. A server that ended without closing (SIGKILL, an OOM kill) is cleaned up after at the next
 * start ({@link LeftoverPostmaster}); while it runs, a {@link PostgresWatchdog} stops PostgreSQL if this process dies.
 * See decision 24.
 */
final class EmbeddedDatabase implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EmbeddedDatabase.class.getName());

    /**
     * The server's settings for PostgreSQL, for either start: the library's defaults that matter (its time zone and
     * connection limit) and ours over them.
     */
    private static final Map<String, String> SETTINGS = settings();

    /** PostgreSQL running on the data directory, started by the library or again by {@link PostmasterRestart}. */
    interface Postmaster {
        int port();

        void close() throws IOException;
    }

    private final FileChannel serverLock;
    private final Postmaster postgres;
    private final Optional<PostgresWatchdog> watchdog;

    private EmbeddedDatabase(FileChannel serverLock, Postmaster postgres, Optional<PostgresWatchdog> watchdog) {
        this.serverLock = serverLock;
        this.postgres = postgres;
        this.watchdog = watchdog;
    }

    static EmbeddedDatabase start(Path dataDirectory) {
        Path postgresFiles = dataDirectory.resolve("postgres").toAbsolutePath();
        FileChannel serverLock = lock(dataDirectory);
        try {
            Files.createDirectories(postgresFiles);
            boolean serverEndedUncleanly = reportUncleanEnd(serverLock);
            markRunning(serverLock);
            boolean postgresEndedUncleanly = LeftoverPostmaster.clear(postgresFiles);
            Optional<PostmasterRestart> restarted = PostmasterRestart.start(dataDirectory, postgresFiles, SETTINGS);
            Postmaster postgres = restarted.isPresent() ? restarted.get() : startWithLibrary(dataDirectory, postgresFiles);
            try {
                firstConnection(postgres.port());
                Optional<PostgresWatchdog> watchdog = PostgresWatchdog.start(LeftoverPostmaster.pidIn(postgresFiles).orElseThrow(
                        () -> new IllegalStateException("the embedded PostgreSQL runs without a postmaster.pid")));
                if (serverEndedUncleanly || postgresEndedUncleanly) {
                    PostgresLog.latestStart(postgresFiles).forEach(line -> LOG.log(Level.INFO, "PostgreSQL: " + line));
                }
                return new EmbeddedDatabase(serverLock, postgres, watchdog);
            } catch (IOException | SQLException | RuntimeException e) {
                postgres.close();
                throw e;
            }
        } catch (IOException e) {
            release(serverLock);
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDirectory.toAbsolutePath()
                    + " (its log is in " + postgresFiles.resolve(PostgresLog.DIRECTORY) + ")", e);
        } catch (SQLException e) {
            release(serverLock);
            throw new IllegalStateException("the embedded PostgreSQL in " + dataDirectory.toAbsolutePath()
                    + " started but refused a connection (its log is in " + postgresFiles.resolve(PostgresLog.DIRECTORY)
                    + ")", e);
        } catch (RuntimeException e) {
            release(serverLock);
            throw e;
        }
    }

    /**
     * One connection opened, used and closed on the starting thread: the JDBC driver's classes are loaded and
     * initialised here (0.25-0.6 s at a start, decision 140), beside the main thread when this is the head start,
     * rather than in the pool's first connection on the main thread. The library's start did it in its readiness poll.
     */
    private static void firstConnection(int port) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(port));
             Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1");
        }
    }

    /** A first start (initdb), or one whose binaries are not recorded or changed: the library unpacks and checks them. */
    private static Postmaster startWithLibrary(Path dataDirectory, Path postgresFiles) throws IOException {
        // Not a scratch database: the files are kept, so a restart keeps the marketplace's data.
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(postgresFiles)
                .setCleanDataDirectory(false);
        SETTINGS.forEach(builder::setServerConfig);
        EmbeddedPostgres postgres = builder.start();
        PostmasterRestart.remember(dataDirectory, postgresFiles);
        return new Postmaster() {
            @Override
            public int port() {
                return postgres.getPort();
            }

            @Override
            public void close() throws IOException {
                postgres.close();
            }
        };
    }

    private static Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        // the library's defaults, which its start sets and the restart must too
        settings.put("timezone", "UTC");
        settings.put("max_connections", "300");
        settings.put("listen_addresses", "127.0.0.1");
        // The library's defaults are for scratch test databases (no fsync, no synchronous commit, no full-page
        // writes): a crash would lose committed orders and money events, or corrupt the files.
        settings.put("fsync", "on");
        settings.put("synchronous_commit", "on");
        settings.put("full_page_writes", "on");
        // local disk: an index probe is not 4× a sequential read; with the default the planner scanned all stock
        // levels to join 10,000 keys of a bulk stock update instead of probing the primary key
        settings.put("random_page_cost", "1.1");
        // PostgreSQL's own log in files of its own (a week, one per weekday): it outlives this process's output, and
        // tells what a start after a crash recovered
        settings.put("logging_collector", "on");
        settings.put("log_directory", PostgresLog.DIRECTORY);
        settings.put("log_filename", "postgresql-%a.log");
        settings.put("log_truncate_on_rotation", "on");
        return Collections.unmodifiableMap(settings);
    }

    /** Locks the data directory for this process; another running server holds the lock. */
    private static FileChannel lock(Path dataDirectory) {
        return tryLock(dataDirectory).orElseThrow(() -> new IllegalStateException("the data directory "
                + dataDirectory.toAbsolutePath() + " is in use by another server; give this one its own DATA_DIR, or "
                + "point both at one DB_URL"));
    }

    /** The data directory's lock, unless a running server (of any process) holds it. */
    static Optional<FileChannel> tryLock(Path dataDirectory) {
        try {
            Files.createDirectories(dataDirectory);
            FileChannel channel = FileChannel.open(dataDirectory.resolve("server.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            // The operating system releases the lock when the process ends, however it ends.
            try {
                if (channel.tryLock() != null) {
                    return Optional.of(channel);
                }
            } catch (OverlappingFileLockException e) {
                // another server in this process has it
            }
            channel.close();
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock the data directory " + dataDirectory.toAbsolutePath(), e);
        }
    }

    /** The port the running PostgreSQL of these files listens on (the fourth line of its {@code postmaster.pid}). */
    static int portIn(Path postgresFiles) throws IOException {
        List<String> lines = Files.readAllLines(postgresFiles.resolve("postmaster.pid"));
        return Integer.parseInt(lines.get(3).strip());
    }

    /** Logs whether the lock file still names a server, which then ended without closing; whether it did. */
    private static boolean reportUncleanEnd(FileChannel serverLock) throws IOException {
        ByteBuffer content = ByteBuffer.allocate((int) Math.min(serverLock.size(), 1024));
        serverLock.read(content, 0);
        String previous = new String(content.array(), 0, content.position(), StandardCharsets.UTF_8).strip();
        if (previous.isEmpty()) {
            return false;
        }
        LOG.log(Level.WARNING, "the previous server (" + previous + ") ended without shutting down (killed, or out of "
                + "memory); recovering its embedded PostgreSQL");
        return true;
    }

    private static void markRunning(FileChannel serverLock) throws IOException {
        byte[] running = ("pid " + ProcessHandle.current().pid() + ", started " + Instant.now())
                .getBytes(StandardCharsets.UTF_8);
        serverLock.truncate(0);
        serverLock.write(ByteBuffer.wrap(running), 0);
        serverLock.force(true);
    }

    String jdbcUrl() {
        return jdbcUrl(postgres.port());
    }

    private static String jdbcUrl(int port) {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    @Override
    public void close() {
        watchdog.ifPresent(PostgresWatchdog::close);
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "embedded PostgreSQL did not stop cleanly", e);
        }
        release(serverLock);
    }

    /** Says that this server closed (an empty lock file) and unlocks the data directory. */
    private static void release(FileChannel serverLock) {
        try (serverLock) {
            serverLock.truncate(0);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not release the data directory's lock", e);
        }
    }
}
