package dev.marketplace.server.platform.persistence;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The embedded PostgreSQL started before the server's configuration is read, on a guess of its data directory, so
 * that its start (a separate process, mostly waiting) overlaps the JVM's and Helidon's set-up (decision 122). The
 * configuration decides: {@link Database#start} takes the started database only for the data directory the
 * configuration names, and stops it otherwise before anything else starts.
 *
 * <p>Only an existing database is started ahead ({@code <guess>/postgres/PG_VERSION} present), so a wrong guess creates
 * no directory. The start is {@link EmbeddedDatabase#start}'s own: it takes the data directory's lock first, so a guess
 * that names a running server's directory is refused before it touches anything, and cleans up after a killed server
 * as any start does. A failed head start is not reported: the configured start then runs as before and reports it.
 */
public final class EmbeddedDatabaseHeadStart {

    private static final System.Logger LOG = System.getLogger(EmbeddedDatabaseHeadStart.class.getName());

    private record Started(Path dataDirectory, EmbeddedDatabase database) {
    }

    private final CompletableFuture<Optional<Started>> start;
    private final AtomicBoolean taken = new AtomicBoolean();

    private EmbeddedDatabaseHeadStart(CompletableFuture<Optional<Started>> start) {
        this.start = start;
    }

    /** No database started ahead: the configured start does it all. */
    public static EmbeddedDatabaseHeadStart none() {
        return new EmbeddedDatabaseHeadStart(CompletableFuture.completedFuture(Optional.empty()));
    }

    /**
     * Starts the embedded PostgreSQL of the guessed data directory on a thread of its own, if the guess names one
     * (empty: an external database is configured) that holds a database.
     */
    public static EmbeddedDatabaseHeadStart begin(Supplier<Optional<Path>> guessedDataDirectory) {
        CompletableFuture<Optional<Started>> start = new CompletableFuture<>();
        Thread.ofPlatform().name("start-up: embedded PostgreSQL ahead of the configuration").start(() -> {
            try {
                start.complete(startIfExisting(guessedDataDirectory.get()));
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "the embedded PostgreSQL was not started ahead of the configuration", e);
            } finally {
                start.complete(Optional.empty()); // unless done: whatever ended the thread, the start never waits for it
            }
        });
        return new EmbeddedDatabaseHeadStart(start);
    }

    private static Optional<Started> startIfExisting(Optional<Path> guess) {
        Optional<Path> dataDirectory = guess.map(directory -> directory.toAbsolutePath().normalize())
                .filter(directory -> Files.isRegularFile(directory.resolve("postgres").resolve("PG_VERSION")));
        if (dataDirectory.isEmpty()) {
            return Optional.empty();
        }
        long started = System.nanoTime();
        EmbeddedDatabase database = EmbeddedDatabase.start(dataDirectory.get());
        LOG.log(Level.INFO, "start-up: embedded PostgreSQL started ahead of the configuration in "
                + (System.nanoTime() - started) / 1_000_000 + " ms");
        return Optional.of(new Started(dataDirectory.get(), database));
    }

    /**
     * The database started ahead, if the settings name its data directory for an embedded database; otherwise it is
     * stopped (its lock released) and the configured start runs as if there had been no guess. Once only.
     */
    Optional<EmbeddedDatabase> take(DatabaseSettings settings) {
        if (!taken.compareAndSet(false, true)) {
            return Optional.empty();
        }
        Optional<Started> started = start.join();
        if (started.isPresent() && settings.embedded()
                && started.get().dataDirectory().equals(settings.dataDirectory().toAbsolutePath().normalize())) {
            return Optional.of(started.get().database());
        }
        started.ifPresent(wrong -> {
            LOG.log(Level.INFO, "the embedded PostgreSQL started ahead in " + wrong.dataDirectory()
                    + " is not the configured database: stopped");
            wrong.database().close();
        });
        return Optional.empty();
    }

    /** Stops the database started ahead unless it was taken (a start that failed before it reached the database). */
    public void abandon() {
        if (taken.compareAndSet(false, true)) {
            start.join().ifPresent(started -> started.database().close());
        }
    }
}
