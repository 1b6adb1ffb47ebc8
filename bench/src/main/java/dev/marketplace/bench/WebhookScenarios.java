package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Webhook delivery (decision 33) to a receiver in this process (the JDK's HTTP server answering 204 at once).
 * Events are written into the outbox by SQL, as the domains' transactions write them (one row each); what is
 * measured is the server's part: settling, the fan-out subscriber, and the delivery workers signing and sending.
 * <ul>
 *   <li>{@code throughput}: 5,000 events committed at once, each to 8 operator endpoints: deliveries received per
 *       second from the first to the last (target ≥ 1,000/s);</li>
 *   <li>{@code lag}: 200 events a second, one transaction each, to one endpoint: from the event's commit (its
 *       {@code timestamp}, the transaction's time) to its arrival at the receiver (target p99 &lt; 1 s).</li>
 * </ul>
 * The server runs with {@code webhooks.require-https: false} and loopback allowed for outbound calls (the
 * benchmark's configuration file, {@link Bench}).
 */
final class WebhookScenarios {

    private WebhookScenarios() {
    }

    static final class Delivery implements Scenario {
        private static final int ENDPOINTS = 8;
        private static final double LAG_RATE = 200;
        private final ObjectMapper json = new ObjectMapper();

        @Override
        public String name() {
            return "webhook-delivery";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            boolean quick = context.timing().measured().toSeconds() < 10;
            int events = quick ? 1_000 : 5_000;
            Duration lagPhase = quick ? Duration.ofSeconds(5) : Duration.ofSeconds(30);
            AtomicLong bulkReceived = new AtomicLong();
            AtomicLong firstBulkNanos = new AtomicLong();
            AtomicLong lastBulkNanos = new AtomicLong();
            Histogram lagMicros = new ConcurrentHistogram(3);
            AtomicLong lagReceived = new AtomicLong();
            HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
            receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            receiver.createContext("/", exchange -> {
                long now = System.nanoTime();
                Instant arrived = Instant.now();
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                JsonNode message = json.readTree(body);
                if (exchange.getRequestURI().getPath().startsWith("/bulk/")) {
                    firstBulkNanos.compareAndSet(0, now);
                    lastBulkNanos.set(now);
                    bulkReceived.incrementAndGet();
                } else {
                    Instant committed = Instant.parse(message.get("timestamp").asText());
                    lagMicros.recordValue(Math.max(0, Duration.between(committed, arrived).toNanos() / 1_000));
                    lagReceived.incrementAndGet();
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            receiver.start();
            String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
            try {
                String token = context.api().token(context.api().createClient(context.operatorToken(), "bench webhooks",
                        "operator", null, List.of("webhooks:read", "webhooks:write")));
                for (int i = 0; i < ENDPOINTS; i++) {
                    endpoint(context, token, base + "/bulk/" + i, "merchant.status_changed");
                }
                endpoint(context, token, base + "/lag", "stock.low");

                try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                     Statement statement = db.createStatement()) {
                    statement.execute("INSERT INTO domain_event (event_id, idempotency_id, type, merchant_id, payload) "
                            + "SELECT gen_random_uuid(), 'bench_status:' || gen_random_uuid(), 'merchant_status_changed', "
                            + "gen_random_uuid(), jsonb_build_object('statusChangeId', n::text, 'fromStatus', 'active', "
                            + "'toStatus', 'suspended', 'reasons', '[]'::jsonb) FROM generate_series(1, " + events + ") n");
                }
                long committedNanos = System.nanoTime();
                long expected = (long) events * ENDPOINTS;
                waitFor(() -> bulkReceived.get() >= expected, Duration.ofMinutes(5));
                double seconds = (lastBulkNanos.get() - firstBulkNanos.get()) / 1e9;
                double perSecond = bulkReceived.get() / seconds;
                double allInSeconds = (lastBulkNanos.get() - committedNanos) / 1e9;

                long sent = 0;
                try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                     PreparedStatement insert = db.prepareStatement("INSERT INTO domain_event (event_id, "
                             + "idempotency_id, type, merchant_id, payload) VALUES (?, ?, 'stock_low', ?, "
                             + "jsonb_build_object('lowStockEventId', ?::text, 'variantId', ?::text, 'locationId', "
                             + "?::text, 'available', 1, 'threshold', 5))")) {
                    long start = System.nanoTime();
                    long total = (long) (LAG_RATE * lagPhase.toSeconds());
                    for (; sent < total; sent++) {
                        long due = start + (long) (sent * 1e9 / LAG_RATE);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        UUID id = UUID.randomUUID();
                        insert.setObject(1, id);
                        insert.setString(2, "bench_stock:" + id);
                        insert.setObject(3, UUID.randomUUID());
                        insert.setString(4, id.toString());
                        insert.setString(5, UUID.randomUUID().toString());
                        insert.setString(6, UUID.randomUUID().toString());
                        insert.executeUpdate();
                    }
                }
                long lagSent = sent;
                waitFor(() -> lagReceived.get() >= lagSent, Duration.ofMinutes(2));
                Report.Latency lag = Report.Latency.of(lagMicros);

                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("events", events);
                figures.put("endpoints", ENDPOINTS);
                figures.put("deliveries", bulkReceived.get());
                figures.put("deliveriesPerSecond", Report.round(perSecond));
                figures.put("commitToLastDeliverySeconds", Report.round(allInSeconds));
                figures.put("lagEventsPerSecond", LAG_RATE);
                figures.put("lagEvents", lagSent);
                figures.put("lagMs", lag);
                return new Report.Scenario(name(), "measured", "receiver in the benchmark's process; events written by SQL",
                        figures, List.of(
                        new Report.Check("≥ 1,000 deliveries/s to a local receiver", String.format(Locale.ROOT,
                                "%.0f/s (%d deliveries of %d events to %d endpoints)", perSecond, bulkReceived.get(),
                                events, ENDPOINTS), perSecond >= 1_000),
                        new Report.Check("commit-to-delivery p99 < 1 s at 200 events/s", String.format(Locale.ROOT,
                                "p50 %.0f ms, p99 %.0f ms, max %.0f ms", lag.p50(), lag.p99(), lag.max()),
                                lag.p99() < 1_000)));
            } finally {
                receiver.stop(0);
            }
        }

        private void endpoint(Context context, String token, String url, String topic) {
            context.api().post(token, "/v1/webhook-endpoints", json.createObjectNode().put("url", url)
                    .set("topics", json.createArrayNode().add(topic)).toString(), 201);
        }

        private static void waitFor(java.util.function.BooleanSupplier done, Duration atMost) throws InterruptedException {
            long deadline = System.nanoTime() + atMost.toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not all webhooks arrived within " + atMost);
                }
                Thread.sleep(20);
            }
        }
    }
}
