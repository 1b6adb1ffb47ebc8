package dev.marketplace.server.platform.events;

import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import io.helidon.metrics.api.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One node of {@link SubscriberProcessesIT} in a JVM of its own: the subscribers' runner as a server process runs it
 * (its own pool, jobs and leases), each test subscriber recording what it handled in the table {@code handled}.
 * Arguments: the database URL, the node's name, then the subscribers' names. It ends when its parent closes its
 * standard input (or dies), so that a failed test leaves no process behind.
 */
public final class SubscriberNodeProcess {

    private SubscriberNodeProcess() {
    }

    public static void main(String[] args) throws IOException {
        String url = args[0];
        String node = args[1];
        List<String> subscriberNames = List.of(args).subList(2, args.length);
        Database database = Database.start(new DatabaseSettings(Optional.of(url), "postgres", "", 4,
                Duration.ofSeconds(10), Path.of("target")));
        Jobs jobs = new Jobs(Metrics.globalRegistry());
        EventSubscribers subscribers = new EventSubscribers(database.dsl(), node + "-" + ProcessHandle.current().pid(),
                new EventSubscribers.Settings(Duration.ofSeconds(1), Duration.ofMillis(20), 20, 3), Metrics.globalRegistry());
        for (String name : subscriberNames) {
            subscribers.subscribe(new Subscriber(name, Set.of(EventType.PAYMENT_CAPTURED), (tx, stored) ->
                    tx.execute("INSERT INTO handled (subscriber, event_id, node) VALUES (?, ?, ?)",
                            name, stored.eventId(), node)), jobs);
        }
        System.out.println("subscribing");
        System.out.flush();
        while (System.in.read() != -1) {
            // the parent holds the pipe open for as long as this node should run
        }
        System.exit(0);
    }
}
