package dev.marketplace.server.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.SubscriberBacklog;
import dev.marketplace.server.testing.TcpProxy;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 21, decision 72: the database cut off while domain events are pending, webhook deliveries are under way and
 * jobs are due, then back — nothing lost, nothing doubled, no restart. The server reaches PostgreSQL through a TCP
 * proxy; the test reads the database directly. The test holds the ledger subscriber's lease (as another node would)
 * so that its events are pending when the cut comes; it holds the webhook fan-out's likewise until every order is
 * made, so that the worker takes all their deliveries in one claim and is still sending to a slow receiver when the
 * database goes; two unpaid orders fall due while it is out. Afterwards every event is handled once by each
 * subscriber, nothing is parked, every delivery is delivered and the receiver got each message exactly as often as
 * attempts are recorded, and the unpaid orders expired once each.
 */
class OutageNothingLostIT {

    private static final String DATABASE = TestDatabases.newDatabase();
    private static final TcpProxy PROXY = proxy();
    private static final WireMockServer RECEIVER = LoopbackWireMock.started();
    private static final String LEDGER = "settlement.ledger-posting";
    private static final String FAN_OUT = "webhooks.fan-out";
    private static final List<String> TOPICS = List.of("order.placed", "order.paid", "order.expired", "payment.captured");
    private static final List<String> TOPIC_EVENTS = List.of(EventType.ORDER_PLACED.wireName(),
            EventType.ORDER_PAID.wireName(), EventType.ORDER_EXPIRED.wireName(), EventType.PAYMENT_CAPTURED.wireName());

    /** Registered first, so it runs after the server's stop: the server stops while it still reaches its database. */
    @RegisterExtension
    @Order(1)
    static final AfterAllCallback CLOSE_PROXY_AND_RECEIVER = context -> {
        PROXY.close();
        RECEIVER.stop();
    };

    @RegisterExtension
    @Order(2)
    static final TestServer server = serverBehindProxy();

    private final DSLContext direct = TestDatabases.dsl(DATABASE);

    private static TcpProxy proxy() {
        try {
            return TcpProxy.forDatabase(DATABASE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TestServer serverBehindProxy() {
        TestServer server = new TestServer()
                .with("db.url", PROXY.jdbcUrl())
                // A node finds the database down after one caller waited this long for a connection (decision 50).
                .with("db.connection.timeout", "PT2S")
                .with("webhooks.require-https", "false")
                .with("outbound.allowed-private-networks.0", "127.0.0.1/32")
                .with("orders.jobs.every", "PT1S");
        for (int i = 0; i < 10; i++) {
            server.with("webhooks.retry.schedule." + i, "PT1S");
        }
        return server;
    }

    @Test
    void aDatabaseCutWhileEventsArePendingDeliveriesUnderWayAndJobsDueLosesAndDoublesNothing() throws Exception {
        // Each message takes the receiver a while: the worker is still sending when the database goes.
        RECEIVER.stubFor(post(urlEqualTo("/hooks")).willReturn(aResponse().withStatus(200).withFixedDelay(400)));
        Shop shop = new Shop(server, 1000);
        ActiveMerchant tea = shop.merchant("Outage Tea K.K.");
        Item sencha = shop.item(tea, "OUTAGE-SEN", 1_200, 100, false);
        UUID endpoint = operatorEndpoint("http://127.0.0.1:" + RECEIVER.port() + "/hooks");

        holdLease(LEDGER);
        holdLease(FAN_OUT);
        List<UUID> orders = new ArrayList<>();
        List<UUID> unpaid = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            MarketplaceClient customer = shop.customer(UUID.randomUUID());
            UUID order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha))).getId();
            orders.add(order);
            if (i < 4) {
                customer.payments().payOrder(order, new PaymentCreate().paymentMethod("pm_card_ok"));
            } else {
                unpaid.add(order);
            }
        }
        freeLease(FAN_OUT);
        Await.until(Duration.ofSeconds(30), "the first deliveries reached the receiver",
                () -> RECEIVER.getAllServeEvents().size() >= 2);

        long ledgerFailures = failures(EventSubscribers.jobName(LEDGER));
        long expiryFailures = failures(OrderService.UNPAID_EXPIRY_JOB);
        int receivedAtCut = RECEIVER.getAllServeEvents().size();
        PROXY.cut();
        Await.until(Duration.ofSeconds(30), "the server found the database down",
                () -> server.send(server.anonymousRequest("/observe/health/ready").GET().build()).statusCode() == 503);
        Await.until(Duration.ofSeconds(30), "the ledger's subscriber and the expiry job ran into the cut",
                () -> failures(EventSubscribers.jobName(LEDGER)) > ledgerFailures
                        && failures(OrderService.UNPAID_EXPIRY_JOB) > expiryFailures);
        // While the server cannot see the database: the unpaid orders fall due and the ledger's lease is free.
        direct.execute("UPDATE customer_order SET payment_due_at = clock_timestamp() - interval '1 second' "
                + "WHERE id = any(?)", (Object) unpaid.toArray(UUID[]::new));
        freeLease(LEDGER);
        Await.until(Duration.ofSeconds(30), "the worker went on sending while the database was out",
                () -> RECEIVER.getAllServeEvents().size() > receivedAtCut);
        PROXY.restore();

        Await.until(Duration.ofSeconds(60), "the unpaid orders expired", () -> direct.fetchCount(direct.selectOne()
                .from("customer_order").where("id = any(?) AND status = 'expired'", (Object) unpaid.toArray(UUID[]::new)))
                == unpaid.size());
        Object[] orderIds = orders.toArray(UUID[]::new);
        long published = ((Number) direct.fetchValue(
                "SELECT count(*) FROM domain_event WHERE order_id = any(?) AND type = any(?)",
                orderIds, TOPIC_EVENTS.toArray(String[]::new))).longValue();
        assertThat(published).as("placed ×6, paid ×4, captured ×4, expired ×2").isEqualTo(16);
        Await.until(Duration.ofSeconds(60), "every subscriber past every event, every delivery delivered", () ->
                Boolean.TRUE.equals(direct.fetchValue("SELECT NOT EXISTS (SELECT 1 FROM event_subscription s WHERE "
                        + SubscriberBacklog.BEHIND + ") AND (SELECT count(*) FROM webhook_delivery"
                        + " WHERE endpoint_id = ? AND status = 'delivered') = ?", endpoint, published)));

        assertThat(direct.fetchValue("SELECT count(*) FROM parked_event")).as("nothing parked").isEqualTo(0L);
        // A commission is held until escrow release (decision 29), so not every money movement is a transaction yet;
        // none is posted twice, and each capture is posted once.
        assertThat(direct.fetchValue("""
                SELECT count(*) FROM domain_event e
                 WHERE e.order_id = any(?) AND e.type = any(?)
                   AND (SELECT count(*) FROM ledger_transaction t WHERE t.event_id = e.event_id) > 1""",
                orderIds, moneyMovementTypes())).as("money events posted more than once").isEqualTo(0L);
        assertThat(direct.fetchValue("""
                SELECT count(*) FROM domain_event e
                 WHERE e.order_id = any(?) AND e.type = ?
                   AND (SELECT count(*) FROM ledger_transaction t WHERE t.event_id = e.event_id) = 1""",
                orderIds, EventType.PAYMENT_CAPTURED.wireName())).as("captures posted once each").isEqualTo(4L);
        assertThat(direct.fetchValue("""
                SELECT count(*) FROM domain_event e
                 WHERE e.order_id = any(?) AND e.type = any(?)
                   AND (SELECT count(*) FROM webhook_delivery d WHERE d.endpoint_id = ? AND d.event_id = e.event_id) <> 1""",
                orderIds, TOPIC_EVENTS.toArray(String[]::new), endpoint))
                .as("published events not fanned out exactly once").isEqualTo(0L);
        assertThat(direct.fetchValue("SELECT count(*) FROM domain_event WHERE order_id = any(?) AND type = ?",
                orderIds, EventType.ORDER_EXPIRED.wireName())).as("one expiry per unpaid order").isEqualTo(2L);

        // WireMock journals a request after answering it: the journal is awaited up to the attempts on record.
        Map<UUID, Long> sentAttempts = direct.fetch("""
                        SELECT d.event_id, count(a.id) FROM webhook_delivery d
                          LEFT JOIN webhook_attempt a ON a.delivery_id = d.id AND a.outcome NOT IN ('circuit_open', 'bulkhead_full')
                         WHERE d.endpoint_id = ? GROUP BY d.event_id""", endpoint)
                .intoMap(row -> row.get(0, UUID.class), row -> row.get(1, Long.class));
        long attempts = sentAttempts.values().stream().mapToLong(Long::longValue).sum();
        Await.until(Duration.ofSeconds(10), "the receiver journaled every attempt on record",
                () -> RECEIVER.getAllServeEvents().size() >= attempts);
        Map<UUID, Long> received = RECEIVER.findAll(postRequestedFor(urlEqualTo("/hooks"))).stream()
                .collect(Collectors.groupingBy(request -> UUID.fromString(request.getHeader("webhook-id")),
                        Collectors.counting()));
        assertThat(received).as("each message received as often as attempts are recorded: none lost, no unrecorded "
                + "duplicate").isEqualTo(sentAttempts);
        assertThat(server.send(server.anonymousRequest("/observe/health/ready").GET().build()).statusCode())
                .as("ready again without a restart").isEqualTo(200);
        shop.assertLedgerReconciled();
    }

    /**
     * Takes a subscriber's lease as another node would, so that the server's node handles none of its events until
     * {@link #freeLease}. Not a row lock: a transaction left open would stop every event from settling.
     */
    private void holdLease(String subscriber) {
        direct.execute("UPDATE event_subscription SET lease_holder = 'the test', "
                + "lease_expires_at = clock_timestamp() + interval '1 hour' WHERE name = ?", subscriber);
    }

    private void freeLease(String subscriber) {
        direct.execute("UPDATE event_subscription SET lease_holder = NULL, lease_expires_at = NULL WHERE name = ?",
                subscriber);
    }

    private static long failures(String job) {
        return (long) Metrics.globalRegistry().getOrCreate(Counter.builder("jobs.runs")
                .tags(List.of(Tag.create("job", job), Tag.create("outcome", "failure")))
                .description("Runs of a background job by outcome")).count();
    }

    private static String[] moneyMovementTypes() {
        return Arrays.stream(EventType.values()).filter(EventType::isMoneyMovement).map(EventType::wireName)
                .toArray(String[]::new);
    }

    private static UUID operatorEndpoint(String url) {
        var created = server.send(server.request("/v1/webhook-endpoints").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"url\": \"" + url + "\", \"topics\": "
                        + TOPICS.stream().map(topic -> "\"" + topic + "\"").collect(Collectors.joining(",", "[", "]"))
                        + "}")).build());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return UUID.fromString(jakarta.json.Json.createReader(new StringReader(created.body())).readObject()
                .getJsonObject("endpoint").getString("id"));
    }
}
