package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.health.StartupPhases;
import dev.marketplace.server.testing.Await;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL started ahead of the configuration on a guessed data directory (decision 122): taken when the
 * configuration names that directory, stopped with its lock released when it names another, never started where there
 * is no database, and refused, harmlessly, on a directory a running server holds.
 */
class EmbeddedDatabaseHeadStartIT {

    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    private Path guessed;

    @BeforeEach
    void anExistingDatabase() {
        guessed = directory.resolve("guessed");
        EmbeddedDatabase.start(guessed).close(); // initdb: what the head start needs to find
    }

    @Test
    void theConfiguredDirectoryTakesTheDatabaseStartedAhead() throws Exception {
        EmbeddedDatabaseHeadStart headStart = EmbeddedDatabaseHeadStart.begin(() -> Optional.of(guessed));
        long startedAhead = awaitPostmaster(guessed);
        try (Database database = Database.start(settings(Optional.empty(), guessed), new StartupPhases(), headStart)) {
            assertThat(postmasterPid(guessed)).as("the postmaster started ahead serves").isEqualTo(startedAhead);
            assertThat(database.dsl().fetchValue("SELECT current_setting('fsync')")).isEqualTo("on");
            assertThat(EmbeddedDatabase.tryLock(guessed)).as("the data directory stays locked").isEmpty();
            headStart.abandon(); // taken: nothing to stop
            assertThat(isRunning(startedAhead)).isTrue();
        }
        Await.until(START, "the postmaster stopped with the database", () -> !isRunning(startedAhead));
        assertThat(Files.readString(guessed.resolve("server.lock"))).as("closed cleanly").isEmpty();
    }

    @Test
    void anotherConfiguredDirectoryStopsTheGuessedOneAndReleasesItsLock() throws Exception {
        Path configured = directory.resolve("configured");
        EmbeddedDatabaseHeadStart headStart = EmbeddedDatabaseHeadStart.begin(() -> Optional.of(guessed));
        long startedAhead = awaitPostmaster(guessed);
        try (Database database = Database.start(settings(Optional.empty(), configured), new StartupPhases(), headStart)) {
            assertThat(isRunning(startedAhead)).as("the guessed directory's PostgreSQL").isFalse();
            assertUnlockedAndClosed(guessed);
            assertThat(database.dsl().fetchValue("SELECT 1")).isEqualTo(1);
            assertThat(Files.exists(configured.resolve("postgres").resolve("PG_VERSION"))).isTrue();
        }
    }

    @Test
    void anExternalDatabaseConfiguredStopsTheGuessedOne() throws Exception {
        EmbeddedDatabaseHeadStart headStart = EmbeddedDatabaseHeadStart.begin(() -> Optional.of(guessed));
        long startedAhead = awaitPostmaster(guessed);
        assertThatThrownBy(() -> Database.start(settings(Optional.of("jdbc:postgresql://127.0.0.1:1/none"), guessed),
                new StartupPhases(), headStart).close()).isInstanceOf(RuntimeException.class);
        assertThat(isRunning(startedAhead)).isFalse();
        assertUnlockedAndClosed(guessed);
    }

    @Test
    void noDatabaseAtTheGuessNothingStartedNorCreated() {
        Path nothing = directory.resolve("nothing");
        EmbeddedDatabaseHeadStart headStart = EmbeddedDatabaseHeadStart.begin(() -> Optional.of(nothing));
        headStart.abandon();
        assertThat(nothing).doesNotExist();
    }

    @Test
    void aRunningServersDirectoryIsRefusedAndItsDatabaseUntouched() throws Exception {
        try (EmbeddedDatabase running = EmbeddedDatabase.start(guessed)) {
            long postmaster = postmasterPid(guessed);
            EmbeddedDatabaseHeadStart headStart = EmbeddedDatabaseHeadStart.begin(() -> Optional.of(guessed));
            // the configured start, as before, is what refuses the second server
            assertThatThrownBy(() -> Database.start(settings(Optional.empty(), guessed), new StartupPhases(), headStart))
                    .hasMessageContaining("is in use by another server");
            assertThat(isRunning(postmaster)).isTrue();
            assertThat(postmasterPid(guessed)).isEqualTo(postmaster);
            assertThat(Files.readString(guessed.resolve("server.lock"))).as("still names the running server")
                    .contains("pid " + ProcessHandle.current().pid());
        }
    }

    private static DatabaseSettings settings(Optional<String> url, Path dataDirectory) {
        return new DatabaseSettings(url, "postgres", "", 2, Duration.ofSeconds(5), dataDirectory);
    }

    private static long awaitPostmaster(Path dataDirectory) {
        Await.until(START, "the PostgreSQL started ahead runs", () -> {
            try {
                OptionalLong pid = LeftoverPostmaster.pidIn(dataDirectory.resolve("postgres"));
                return pid.isPresent() && isRunning(pid.getAsLong());
            } catch (IOException e) {
                return false; // being written
            }
        });
        return postmasterPid(dataDirectory);
    }

    private static long postmasterPid(Path dataDirectory) {
        try {
            return LeftoverPostmaster.pidIn(dataDirectory.resolve("postgres")).orElseThrow();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isRunning(long pid) {
        return ProcessHandle.of(pid).map(LeftoverPostmaster::isRunning).orElse(false);
    }

    private static void assertUnlockedAndClosed(Path dataDirectory) throws IOException {
        Optional<FileChannel> lock = EmbeddedDatabase.tryLock(dataDirectory);
        assertThat(lock).as("the guessed directory's lock released").isPresent();
        lock.get().close();
        assertThat(Files.readString(dataDirectory.resolve("server.lock"))).as("closed cleanly").isEmpty();
    }
}
