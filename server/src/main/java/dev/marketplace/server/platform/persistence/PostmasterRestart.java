package dev.marketplace.server.platform.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded PostgreSQL started again on its existing files with the binaries that ran them last, while the
 * binaries the server ships are still those (decision 140). The library's start costs a restart ~0.5 s: at every start
 * it runs two commands to learn the platform, reads and digests its 15 MB binaries archive to name their directory, and
 * polls for readiness every 100 ms with a new JDBC connection. Here the postmaster is started directly, in a session of
 * its own as {@code pg_ctl} starts it (so a signal to the server's process group spares it), and is ready when its
 * {@code postmaster.pid} says so. A first start, or binaries changed or missing, goes through the library (initdb,
 * unpacking), after which {@link #remember} records the binaries for the next start.
 */
final class PostmasterRestart implements EmbeddedDatabase.Postmaster {

    private static final System.Logger LOG = System.getLogger(PostmasterRestart.class.getName());
    /** In the data directory: the shipped binaries archive (its URL, size and time) and the directory they run from. */
    static final String RECORD = "postgres-binaries";
    /** In PostgreSQL's log directory: what the postmaster said before its logging collector took over. */
    private static final String START_OUTPUT = "postmaster-start.log";
    /** Crash recovery replays the write-ahead log before the postmaster is ready. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    /** PostgreSQL says it is ready only in its pid file, which pg_ctl polls every 100 ms; a read costs microseconds. */
    private static final Duration READY_POLL = Duration.ofMillis(2);

    private final Process postmaster;
    private final int port;

    private PostmasterRestart(Process postmaster, int port) {
        this.postmaster = postmaster;
        this.port = port;
    }

    /** The postmaster started on {@code postgresFiles} and ready, if the binaries recorded for them are the shipped ones. */
    static Optional<PostmasterRestart> start(Path dataDirectory, Path postgresFiles, Map<String, String> settings)
            throws IOException {
        Optional<Path> binaries = recordedBinaries(dataDirectory);
        if (binaries.isEmpty() || !Files.isRegularFile(postgresFiles.resolve("PG_VERSION"))) {
            return Optional.empty();
        }
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("setsid"));
        if (runsAsRoot()) {
            command.addAll(List.of("unshare", "-U")); // PostgreSQL refuses root; the library does the same
        }
        command.addAll(List.of(binaries.get().resolve("postgres").toString(), "-D", postgresFiles.toString(),
                "-p", Integer.toString(port)));
        settings.forEach((name, value) -> command.addAll(List.of("-c", name + "=" + value)));
        // Until its logging collector takes over, the postmaster writes to its own output: into a file, not the
        // server's output, which a postmaster outliving a killed server would hold open.
        Path output = postgresFiles.resolve(PostgresLog.DIRECTORY).resolve(START_OUTPUT);
        Files.createDirectories(output.getParent());
        // setsid and unshare exec the postmaster in place: this process is the postmaster
        Process postmaster = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        PostmasterRestart started = new PostmasterRestart(postmaster, port);
        try {
            started.awaitReady(postgresFiles, output);
        } catch (IOException | RuntimeException e) {
            started.close();
            throw e;
        }
        return Optional.of(started);
    }

    private void awaitReady(Path postgresFiles, Path output) throws IOException {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (!ready(postgresFiles)) {
            if (!postmaster.isAlive()) {
                throw new IOException("PostgreSQL ended during its start (exit " + postmaster.exitValue() + "): "
                        + Files.readString(output).strip());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("PostgreSQL was not ready within " + READY_WITHIN.toSeconds() + " s");
            }
            try {
                Thread.sleep(READY_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while PostgreSQL started", e);
            }
        }
    }

    /** The pid file names this postmaster and its status line (the eighth) says "ready". */
    private boolean ready(Path postgresFiles) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(postgresFiles.resolve("postmaster.pid"));
        } catch (NoSuchFileException e) {
            return false;
        }
        return lines.size() >= 8 && lines.getFirst().strip().equals(Long.toString(postmaster.pid()))
                && lines.get(7).strip().equals("ready");
    }

    /**
     * Records the binaries that run {@code postgresFiles} now (the first word of PostgreSQL's own
     * {@code postmaster.opts}) beside the shipped archive they came from, for the next start.
     */
    static void remember(Path dataDirectory, Path postgresFiles) {
        try {
            Optional<String> shipped = shippedArchive();
            if (shipped.isEmpty()) {
                return;
            }
            String options = Files.readString(postgresFiles.resolve("postmaster.opts"), StandardCharsets.UTF_8);
            int end = options.indexOf(" \"");
            Path postgres = Path.of(end < 0 ? options.strip() : options.substring(0, end));
            String record = shipped.get() + "\n" + postgres.getParent() + "\n";
            Path file = dataDirectory.resolve(RECORD);
            if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(record)) {
                return;
            }
            Path written = Files.writeString(dataDirectory.resolve(RECORD + ".new"), record, StandardCharsets.UTF_8);
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not record the embedded PostgreSQL's binaries for the next start, which will "
                    + "unpack or check them again", e);
        }
    }

    /** The binaries directory recorded, if the shipped archive is still the one recorded and it is complete. */
    private static Optional<Path> recordedBinaries(Path dataDirectory) throws IOException {
        Path file = dataDirectory.resolve(RECORD);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<String> record = Files.readAllLines(file, StandardCharsets.UTF_8);
        Optional<String> shipped = shippedArchive();
        if (record.size() != 2 || shipped.isEmpty() || !shipped.get().equals(record.getFirst())) {
            return Optional.empty();
        }
        Path binaries = Path.of(record.get(1));
        // the library marks a directory it finished unpacking with ".exists"; a temporary directory may have been
        // cleaned since
        return Files.isRegularFile(binaries.resolveSibling(".exists"))
                && Files.isExecutable(binaries.resolve("postgres")) ? Optional.of(binaries) : Optional.empty();
    }

    /**
     * The binaries archive the library would unpack here, by its URL (the jar's path carries its version), size and
     * time; empty where it is not the Linux one this names (the library's own start is then always taken).
     */
    private static Optional<String> shippedArchive() throws IOException {
        if (!System.getProperty("os.name").equals("Linux")) {
            return Optional.empty();
        }
        String architecture = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        URL archive = EmbeddedPostgres.class.getClassLoader().getResource("postgres-linux-" + architecture + ".txz");
        if (archive == null) {
            return Optional.empty();
        }
        URLConnection connection = archive.openConnection();
        return Optional.of(archive + " " + connection.getContentLengthLong() + " " + connection.getLastModified());
    }

    private static boolean runsAsRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    /** A port nobody listens on now, as the library picks one. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public int port() {
        return port;
    }

    /** A fast shutdown, then an immediate one, then SIGKILL, as for a leftover postmaster. */
    @Override
    public void close() {
        if (postmaster.isAlive()) {
            LeftoverPostmaster.stop(postmaster.toHandle());
        }
    }
}
