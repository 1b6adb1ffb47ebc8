package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command killed with SIGKILL (an OOM kill, {@code kill -9}) and started again at once on the same
 * data directory: the real server jar in a process of its own, with its embedded PostgreSQL. Decision 24.
 */
class CrashRestartIT {

    /** Built by {@code package}, before failsafe runs. */
    private static final Path SERVER_JAR = Path.of("target", "marketplace-server.jar");
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STOPPED = Duration.ofSeconds(10);
    private static final Pattern READY = Pattern.compile("Marketplace API ready in \\d+ ms, listening on .*?: http://\\S+:(\\d+) ");

    @TempDir
    Path dataDirectory;

    private final List<Process> processes = new ArrayList<>();

    /** A server process, its output in {@code <name>.log} in the data directory. */
    private record ServerProcess(Process process, Path log, URI baseUri) {

        MarketplaceClient client() {
            return TestServer.clientWithToken(baseUri,
                    TestServer.token(baseUri, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET));
        }

        String output() {
            return read(log);
        }

        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
            process.waitFor();
        }
    }

    @Test
    void aKilledServerStartsAgainAtOnceOnItsDataAndItsPostgresqlDoesNotOutliveIt() throws Exception {
        assertThat(SERVER_JAR).as("the server jar (mvn package)").exists();
        ServerProcess first = start("first");
        Category created = first.client().categories().createCategory(
                new CategoryCreate().name("Survives a crash 耐障害").commissionRateBasisPoints(900));

        // Killed together with its watchdog (the process group and the watchdog's session killed, say): PostgreSQL
        // runs on orphaned, as it did after any SIGKILL before the watchdog, and the next start must not fail on it.
        long orphan = postmasterPid();
        ProcessHandle watchdog = first.process().toHandle().children()
                .filter(child -> child.info().commandLine().orElse("").contains(PostgresWatchdog.NAME))
                .findFirst().orElseThrow(() -> new AssertionError("the server runs no watchdog"));
        watchdog.destroyForcibly();
        first.kill();
        Await.until(STOPPED, "the watchdog is gone", () -> !isRunning(watchdog.pid()));
        assertThat(isRunning(orphan)).as("the orphaned PostgreSQL runs").isTrue();

        ServerProcess second = start("second");
        assertThat(isRunning(orphan)).as("the orphaned PostgreSQL runs").isFalse();
        assertThat(second.output()).contains(
                // Main starts an existing database ahead of its configuration (decision 122): recovery included
                "embedded PostgreSQL started ahead of the configuration",
                "ended without shutting down",
                "the embedded PostgreSQL of a server that is gone still runs on",
                "stopped the leftover PostgreSQL (pid " + orphan + ") by a fast shutdown",
                "PostgreSQL: ", "database system is ready to accept connections");
        assertThat(second.client().categories().getCategory(created.getId())).isEqualTo(created);

        // The clean-up never touches the PostgreSQL of a server that runs: a second server on its data directory is refused.
        long postmaster = postmasterPid();
        Path intruderLog = dataDirectory.resolve("intruder.log");
        Process intruder = launch(intruderLog);
        assertThat(intruder.waitFor(START.toSeconds(), TimeUnit.SECONDS)).as("the intruder ended").isTrue();
        assertThat(intruder.exitValue()).isNotZero();
        assertThat(read(intruderLog)).contains("is in use by another server");
        assertThat(isRunning(postmaster)).isTrue();
        assertThat(second.client().categories().getCategory(created.getId())).isEqualTo(created);

        // SIGKILL of the server alone (an OOM kill, kill -9): no shutdown hook runs, the watchdog stops PostgreSQL.
        second.kill();
        Await.until(STOPPED, "the killed server's PostgreSQL stopped", () -> !isRunning(postmaster));
    }

    /** A server from the jar on a free port over the data directory, once it is ready. */
    private ServerProcess start(String name) throws IOException {
        Path log = dataDirectory.resolve(name + ".log");
        Process process = launch(log);
        Await.until(START, "the " + name + " server is ready", () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the " + name + " server ended with " + process.exitValue() + ":\n" + read(log));
            }
            return READY.matcher(read(log)).find();
        });
        Matcher ready = READY.matcher(read(log));
        assertThat(ready.find()).isTrue();
        return new ServerProcess(process, log, URI.create("http://127.0.0.1:" + ready.group(1)));
    }

    private Process launch(Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                // compiled by C1 only: the server starts in less time, which is what this test waits for
                "-XX:TieredStopAtLevel=1", "-jar", SERVER_JAR.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(key -> key.startsWith("DB_") || key.startsWith("SECURITY_") || key.startsWith("SERVER_"));
        environment.putAll(Map.of(
                "MARKETPLACE_CONFIG", dataDirectory.resolve("no-such-file.yaml").toString(),
                "DATA_DIR", dataDirectory.toString(),
                "SERVER_PORT", "0",
                "SERVER_HOST", "127.0.0.1",
                "SECURITY_ENCRYPTION_KEY", TestServer.KEY_ENCRYPTION_KEY,
                "SECURITY_OPERATOR_CLIENT_ID", TestServer.OPERATOR_CLIENT_ID,
                "SECURITY_OPERATOR_CLIENT_SECRET", TestServer.OPERATOR_CLIENT_SECRET));
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private long postmasterPid() throws IOException {
        OptionalLong pid = LeftoverPostmaster.pidIn(dataDirectory.resolve("postgres"));
        assertThat(pid).as("postmaster.pid").isPresent();
        return pid.getAsLong();
    }

    private static boolean isRunning(long pid) {
        return ProcessHandle.of(pid).map(LeftoverPostmaster::isRunning).orElse(false);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
