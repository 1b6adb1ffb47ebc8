package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flash-sale bench's shape in one process, to see where its time goes, not a test of speed:
 * {@code flash.load.buyers} buyers (default 1,000) check out one SKU of {@code flash.load.units} units (default 100)
 * at once, each on its own connection, sending again after a 503's {@code Retry-After} as the bench's buyers do; then
 * the buyers refused press again once each, as the bench's do. The door is the shipped one (decision 143). Prints, per
 * wave, the answers by kind in 100 ms steps from the start, what grew on the door's metrics, the JVM's CPU (server and
 * buyers together) and PostgreSQL's commits and row writes per answer, and how often a backend was seen waiting for a
 * lock; checks that exactly the stock was sold and that every retry was refused as sold out. PostgreSQL commits
 * with fsync here, as the bench's does. Skipped unless {@code -Dflash.load=true}.
 */
@EnabledIfSystemProperty(named = "flash.load", matches = "true")
class FlashSaleLoadIT {

    /** The door as shipped (application.yaml), not out of the way as for other tests: its shedding is part of it. */
    @RegisterExtension
    static final TestServer server = new TestServer().with("http.admission.in.flight", "32");

    private record Answer(long atMillis, String kind) {
    }

    @Test
    void flashSaleTimeline() throws Exception {
        int buyers = Integer.getInteger("flash.load.buyers", 1_000);
        int units = Integer.getInteger("flash.load.units", 100);
        TestDatabases.execute("ALTER SYSTEM SET fsync = on");
        TestDatabases.execute("ALTER SYSTEM SET synchronous_commit = on");
        TestDatabases.execute("SELECT pg_reload_conf()");
        Shop shop = new Shop(server, 1000);
        Item item = shop.item(shop.merchant("Kyoto Tea Co., Ltd."), "FLASH-1", 5_000, units, true);
        List<UUID> customers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            customers.add(UUID.randomUUID());
        }
        List<Buyer> everyone = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) { // the carts at a pace the server takes
            List<java.util.concurrent.Future<Buyer>> made = new ArrayList<>();
            for (int i = 0; i < buyers; i++) {
                UUID customer = customers.get(i % customers.size());
                made.add(threads.submit(() -> new Buyer(shop.customerToken(customer),
                        shop.cartWith(shop.customer(customer), 1, item))));
            }
            for (var buyer : made) {
                everyone.add(buyer.get());
            }
        }
        Thread.sleep(1_500); // the carts' announcements settle, as the bench's do while it prepares

        Map<Buyer, String> outcomes = wave("flash sale", everyone, true);
        assertThat(outcomes.values().stream().filter("201"::equals).count()).as("orders placed").isEqualTo(units);
        assertThat(shop.stock(item).getAvailable()).isZero();
        // The refused press again, once each with a new key, as the bench's do: the sell-out is known by now, so each
        // is answered from memory, and the door should let them through (decision 143).
        List<Buyer> refused = everyone.stream()
                .filter(buyer -> "409 insufficient_stock".equals(outcomes.get(buyer))).toList();
        Map<Buyer, String> again = wave("retries after the sell-out", refused, false);
        assertThat(again.values()).as("every retry refused as sold out").containsOnly("409 insufficient_stock");
    }

    private record Buyer(String token, UUID cart) {
    }

    /**
     * The buyers check out at once, each on its own connection, sending again after a 503's {@code Retry-After}; prints
     * what it cost and its timeline, and returns each buyer's final answer.
     */
    private static Map<Buyer, String> wave(String name, List<Buyer> buyers, boolean sampleLocks) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        Map<Buyer, String> outcomes = new ConcurrentHashMap<>();
        LongAdder lockWaitsSeen = new LongAdder();
        LongAdder samples = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(sampleLocks);
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                lockWaitsSeen.add(((Number) server.db().fetchValue("SELECT count(*) FROM pg_stat_activity "
                        + "WHERE wait_event_type = 'Lock' AND datname = current_database()")).longValue());
                samples.increment();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Record before = databaseCounters();
        Map<String, Double> doorBefore = doorFigures();
        long postmaster = postmasterPid();
        double postgresBefore = postgresCpuSeconds(postmaster);
        long cpuBefore = processCpuNanos();
        CountDownLatch go = new CountDownLatch(1);
        long started;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Buyer buyer : buyers) {
                HttpRequest checkout = HttpRequest.newBuilder(URI.create(server.baseUri() + "/v1/orders"))
                        .header("Authorization", "Bearer " + buyer.token())
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", UUID.randomUUID().toString())
                        .timeout(Duration.ofMinutes(2))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"cartId\":\"" + buyer.cart()
                                + "\",\"shippingAddress\":{\"name\":\"Sato Yui\",\"country\":\"JP\","
                                + "\"postalCode\":\"150-0001\",\"region\":\"Tokyo\",\"locality\":\"Shibuya-ku\","
                                + "\"line1\":\"1-2-3 Jingumae\",\"phone\":\"+81 3-1234-5678\"}}"))
                        .build();
                threads.submit(() -> {
                    go.await();
                    while (true) {
                        HttpResponse<String> response = http.send(checkout, HttpResponse.BodyHandlers.ofString());
                        String kind = response.statusCode() + (response.statusCode() == 201 ? ""
                                : " " + response.body().replaceAll(".*\"code\":\"([^\"]*)\".*", "$1"));
                        answers.add(new Answer(System.currentTimeMillis(), kind));
                        var retryAfter = response.headers().firstValue("Retry-After");
                        if (response.statusCode() != 503 || retryAfter.isEmpty()) {
                            outcomes.put(buyer, kind);
                            return null;
                        }
                        Thread.sleep(Duration.ofSeconds(Long.parseLong(retryAfter.get())));
                    }
                });
            }
            started = System.currentTimeMillis();
            go.countDown();
        }
        long ended = answers.stream().mapToLong(Answer::atMillis).max().orElseThrow();
        long cpu = processCpuNanos() - cpuBefore;
        double postgresCpu = postgresCpuSeconds(postmaster) - postgresBefore;
        Map<String, Double> doorAfter = doorFigures();
        running.set(false);
        sampler.join();
        Thread.sleep(1_500); // PostgreSQL's backends report their counters within a second
        Record after = databaseCounters();

        Map<Long, Map<String, Integer>> timeline = new TreeMap<>();
        Map<String, Integer> total = new TreeMap<>();
        for (Answer answer : answers) {
            timeline.computeIfAbsent((answer.atMillis() - started) / 100 * 100, step -> new TreeMap<>())
                    .merge(answer.kind(), 1, Integer::sum);
            total.merge(answer.kind(), 1, Integer::sum);
        }
        Map<String, String> door = new TreeMap<>(); // what grew over the wave
        doorAfter.forEach((figure, value) -> {
            if (figure.endsWith("_sum") || figure.endsWith("_count") || figure.endsWith("_total")) {
                door.put(figure, String.format(Locale.ROOT, "%.3f", value - doorBefore.getOrDefault(figure, 0.0)));
            }
        });
        double seconds = (ended - started) / 1e3;
        System.out.printf("%s: %d buyers: %d answers in %.2f s = %.0f answers/s; %s%n  the door (class other; "
                + "seconds) and the checkouts' sheds: %s%n", name, buyers.size(), answers.size(), seconds,
                answers.size() / seconds, total, door);
        System.out.printf("  JVM CPU (server and buyers) %.2f ms per answer, PostgreSQL's %.2f ms; PostgreSQL per "
                        + "answer: %.2f commits, %.2f rows inserted, %.2f updated, %.2f deleted; backends waiting for a "
                        + "lock: %.1f on average over %d samples; load average %s%n", cpu / 1e6 / answers.size(),
                postgresCpu * 1e3 / answers.size(),
                delta(before, after, 0) / answers.size(), delta(before, after, 1) / answers.size(),
                delta(before, after, 2) / answers.size(), delta(before, after, 3) / answers.size(),
                lockWaitsSeen.sum() / (double) Math.max(1, samples.sum()), samples.sum(),
                Files.readString(Path.of("/proc/loadavg")).trim());
        timeline.forEach((step, kinds) -> System.out.printf("  %5d ms %s%n", step, kinds));
        return outcomes;
    }

    /**
     * The door's counters and timers of the dearer class and the checkouts' sheds, from {@code /observe/metrics} (never
     * held), by name.
     */
    private static Map<String, Double> doorFigures() {
        HttpResponse<String> metrics = server.send(server.request("/observe/metrics")
                .header("Accept", "text/plain").GET().build());
        Map<String, Double> figures = new TreeMap<>();
        Matcher line = Pattern.compile("(?m)^(http_admission_[a-z_]+|orders_checkouts_shed_total)(\\{[^}]*})? "
                + "([-0-9.E+]+)$").matcher(metrics.body());
        while (line.find()) {
            String labels = line.group(2) == null ? "" : line.group(2);
            if ((!labels.contains("class=") || labels.contains("class=\"other\"")) && !labels.contains("le=")
                    && !labels.contains("quantile=")) {
                figures.put(line.group(1), Double.parseDouble(line.group(3)));
            }
        }
        return figures;
    }

    private static Record databaseCounters() {
        return server.db().fetchOne("SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database "
                + "WHERE datname = current_database()");
    }

    private static double delta(Record before, Record after, int field) {
        return ((Number) after.get(field)).doubleValue() - ((Number) before.get(field)).doubleValue();
    }

    /** The embedded PostgreSQL's postmaster: the parent of this test's backend. */
    private static long postmasterPid() {
        long backend = ((Number) server.db().fetchValue("SELECT pg_backend_pid()")).longValue();
        return Long.parseLong(statFields(backend)[1]);
    }

    /**
     * CPU seconds of PostgreSQL: the postmaster, its backends now running, and those that ended (reaped by it). The
     * test's own sampling of {@code pg_stat_activity} counts in too.
     */
    private static double postgresCpuSeconds(long postmaster) throws IOException {
        String[] own = statFields(postmaster);
        long ticks = Long.parseLong(own[11]) + Long.parseLong(own[12]) + Long.parseLong(own[13])
                + Long.parseLong(own[14]);
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                try {
                    String[] fields = statFields(Long.parseLong(process.getFileName().toString()));
                    if (Long.parseLong(fields[1]) == postmaster) {
                        ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    }
                } catch (UncheckedIOException ended) {
                    // a backend that ended meanwhile: its time is the postmaster's now
                }
            }
        }
        return ticks / 100.0; // USER_HZ
    }

    /** The fields of {@code /proc/<pid>/stat} after the command's name: [1] is the parent, [11..14] the CPU ticks. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
