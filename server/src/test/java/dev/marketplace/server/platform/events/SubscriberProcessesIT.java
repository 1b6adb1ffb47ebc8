package dev.marketplace.server.platform.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestDatabases;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's check with real processes: two subscribers run by two node processes (separate JVMs, as two servers
 * would be) over one database, while events are written; the node holding the leases is killed with SIGKILL
 * mid-way. Every event is handled exactly once by each subscriber: the killed node's open batch is rolled back by
 * PostgreSQL with its connection, and the other node takes the leases over when they expire.
 */
class SubscriberProcessesIT {

    private static final List<String> SUBSCRIBERS = List.of("test.ledger", "test.webhooks");

    private final String url = TestDatabases.newDatabase();
    private final List<Process> nodes = new ArrayList<>();
    private Database writer;

    @BeforeEach
    void createEffectTable() {
        writer = Database.start(new DatabaseSettings(Optional.of(url), "postgres", "", 6, Duration.ofSeconds(10),
                Path.of("target")));
        writer.dsl().execute("CREATE TABLE handled (seq bigserial, subscriber text, event_id uuid, node text)");
    }

    @AfterEach
    void stop() throws Exception {
        for (Process node : nodes) {
            node.getOutputStream().close();
            node.destroyForcibly().waitFor();
        }
        writer.close();
    }

    @Test
    void twoNodeProcessesHandleEveryEventExactlyOnceWhileOneIsKilled() throws Exception {
        Process first = startNode("first");
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Future<?>> writers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < 4; w++) {
                writers.add(threads.submit(() -> {
                    while (writing.get()) {
                        writer.dsl().transaction(tx -> {
                            for (int e = 0; e < 5; e++) {
                                DomainEvents.append(tx.dsl(), MoneyMovement.paymentCaptured(UUID.randomUUID(),
                                        Parties.ofOrder(UUID.randomUUID(), UUID.randomUUID()), Money.of(100, "JPY")));
                            }
                        });
                    }
                }));
            }
            Await.until(Duration.ofSeconds(60), "the first node handles events", () -> handled("first") > 50);
            startNode("second");
            Await.until(Duration.ofSeconds(60), "more events are handled", () -> handled(null) > 300);
            first.destroyForcibly().waitFor(); // SIGKILL: no clean stop, its open batch rolled back, its leases left to expire
            assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
            Await.until(Duration.ofSeconds(60), "the second node takes over while events keep coming",
                    () -> handled("second") > 50);
            writing.set(false);
            for (Future<?> done : writers) {
                done.get();
            }
        }
        long events = ((Number) writer.dsl().fetchValue("SELECT count(*) FROM domain_event")).longValue();
        Await.until(Duration.ofSeconds(120), "every event is handled by both subscribers",
                () -> handled(null) >= 2L * events);

        assertThat(writer.dsl().fetch("SELECT subscriber, event_id FROM handled GROUP BY 1, 2 HAVING count(*) > 1"))
                .as("handled twice").isEmpty();
        for (String subscriber : SUBSCRIBERS) {
            assertThat(((Number) writer.dsl().fetchValue(
                    "SELECT count(DISTINCT event_id) FROM handled WHERE subscriber = ?", subscriber)).longValue())
                    .as(subscriber).isEqualTo(events);
        }
        assertThat(handled("first")).as("the killed node handled some").isPositive();
        assertThat(handled(null)).as("nothing beyond").isEqualTo(2L * events);
    }

    private Process startNode(String name) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), SubscriberNodeProcess.class.getName(), url, name));
        command.addAll(SUBSCRIBERS);
        Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
        nodes.add(node);
        BufferedReader output = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            lines.add(line);
            if (line.equals("subscribing")) {
                Thread.ofVirtual().start(() -> output.lines().forEach(ignored -> { })); // keeps the pipe drained
                return node;
            }
        }
        throw new IllegalStateException("node " + name + " ended before subscribing: " + String.join("\n", lines));
    }

    private long handled(String node) {
        Object count = node == null
                ? writer.dsl().fetchValue("SELECT count(*) FROM handled")
                : writer.dsl().fetchValue("SELECT count(*) FROM handled WHERE node = ?", node);
        return ((Number) count).longValue();
    }
}
