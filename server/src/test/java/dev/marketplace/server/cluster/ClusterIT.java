package dev.marketplace.server.cluster;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.ListingsApi.ListListingsParams;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.server.cluster.ClusterShop.Item;
import dev.marketplace.server.cluster.ClusterShop.Seller;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.ClusterNodes;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three server processes on one PostgreSQL behind a round-robin client (issue 21, decision 51): no oversell in a
 * flash sale, one order per Idempotency-Key whichever node answers, every deadline job once per due item with the
 * ledger reconciling, change feeds and webhooks as on one node, listing caches within their bound, and a client's
 * rate limit held over the cluster. The nodes are shared by the tests (starting three JVMs is most of the time).
 */
class ClusterIT {

    static final String WEBHOOK_SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("provider-webhook-secret-32-bytes".getBytes(StandardCharsets.UTF_8));
    /** The merchants' quota per minute on every node, which the rate-limit test holds over the cluster. */
    private static final int MERCHANT_QUOTA = 240;

    private static WireMockServer outside;
    private static ClusterNodes cluster;
    private static DSLContext db;
    private static ClusterShop shop;

    @BeforeAll
    static void startCluster() throws Exception {
        outside = provider();
        String databaseUrl = TestDatabases.newDatabase();
        db = TestDatabases.dsl(databaseUrl);
        Map<String, String> settings = new HashMap<>(providerSettings(outside));
        settings.put("rate.limits.merchant", Integer.toString(MERCHANT_QUOTA));
        settings.put("orders.payment.timeout", "PT6S");
        settings.put("orders.acceptance.timeout", "PT2S");
        settings.put("orders.jobs.every", "PT1S");
        cluster = ClusterNodes.start(3, databaseUrl, settings);
        shop = new ClusterShop(cluster, db);
    }

    @AfterAll
    static void stopCluster() {
        stop(cluster, outside);
    }

    static void stop(ClusterNodes nodes, WireMockServer provider) {
        if (nodes != null) {
            nodes.close();
        }
        if (provider != null) {
            provider.stop();
        }
    }

    static WireMockServer provider() {
        return provider(new ProviderRecords());
    }

    /**
     * A payment and payout provider played by WireMock, shared by the nodes (the built-in test providers keep their
     * records in one node's memory): a charge, refund or payout is identified by its idempotency key, as a real
     * provider's, and found by it ({@code records}); webhook receivers answer 204 under /hooks/.
     */
    static WireMockServer provider(ProviderRecords records) {
        WireMockServer wireMock = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort()
                .globalTemplating(true).extensions(records));
        wireMock.start();
        wireMock.stubFor(get(urlPathEqualTo("/v1/payments")).willReturn(okJson("{\"data\": []}")));
        wireMock.stubFor(get(urlPathEqualTo("/v1/payouts")).willReturn(okJson("{\"data\": []}")));
        wireMock.stubFor(post(urlPathEqualTo("/v1/payouts")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"id": "po_{{request.headers.[Idempotency-Key]}}", "status": "paid",
                         "amount": {{jsonPath request.body '$.amount'}},
                         "currency": "{{jsonPath request.body '$.currency'}}"}""")));
        wireMock.stubFor(post(urlPathEqualTo("/v1/payments")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"id": "pay_{{request.headers.[Idempotency-Key]}}", "status": "captured",
                         "currency": "{{jsonPath request.body '$.currency'}}",
                         "authorized": {{jsonPath request.body '$.amount'}},
                         "captured": {{jsonPath request.body '$.amount'}}, "refunded": 0}""")));
        wireMock.stubFor(post(urlPathMatching("/v1/payments/[^/]+/refunds")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"id": "re_{{request.headers.[Idempotency-Key]}}", "paymentId": "{{request.pathSegments.[2]}}",
                         "amount": {{jsonPath request.body '$.amount'}},
                         "currency": "{{jsonPath request.body '$.currency'}}", "status": "succeeded"}""")));
        wireMock.stubFor(post(urlPathMatching("/hooks/.*")).willReturn(aResponse().withStatus(204)));
        return wireMock;
    }

    static Map<String, String> providerSettings(WireMockServer provider) {
        return Map.of(
                "payments.provider", "http",
                "payments.http.base.url", "http://127.0.0.1:" + provider.port(),
                "payments.http.api.key", "sk_test_cluster",
                "payments.http.webhook.secret", WEBHOOK_SECRET,
                "outbound.allowed-private-networks.0", "127.0.0.1/32",
                "webhooks.require-https", "false");
    }

    @Test
    void aFlashSaleOverThreeNodesSellsEveryUnitOnceAndNoMore() throws Exception {
        Seller seller = shop.seller("Flash Sale K.K.");
        Item item = shop.item(seller, "FLASH-1", 1_000, 5);
        List<UUID> carts = new ArrayList<>();
        List<MarketplaceClient> customers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            MarketplaceClient customer = shop.customer();
            customers.add(customer);
            carts.add(ClusterShop.cartWith(customer, item, 1));
        }

        List<Integer> outcomes = new ArrayList<>();
        try (ExecutorService buyers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> checkouts = new ArrayList<>();
            for (int i = 0; i < carts.size(); i++) {
                MarketplaceClient customer = customers.get(i);
                UUID cart = carts.get(i);
                checkouts.add(buyers.submit(() -> {
                    try {
                        customer.orders().checkout(ClusterShop.checkoutOf(cart));
                        return 201;
                    } catch (MarketplaceException refused) {
                        return refused.status();
                    }
                }));
            }
            for (Future<Integer> checkout : checkouts) {
                outcomes.add(checkout.get());
            }
        }

        assertThat(outcomes.stream().filter(status -> status == 201).count()).as("orders placed").isEqualTo(5);
        assertThat(outcomes).as("the others are refused for want of stock").allMatch(status -> status == 201 || status == 409);
        // Each placed order holds its unit until it is paid or expires (6 s): none leaked, none sold twice.
        assertThat(shop.stock(item).getFirst()).as("on hand").isEqualTo(5L);
        List<Long> reserved = shop.reservedBesidePlaced(item, carts, 1);
        assertThat(reserved.getFirst()).as("reserved").isEqualTo(reserved.getLast());
        assertThat(db.fetchValue("SELECT count(*) FROM customer_order o JOIN cart c ON c.id = o.cart_id WHERE c.id = ANY(?)",
                (Object) carts.toArray(UUID[]::new))).isEqualTo(5L);
    }

    @Test
    void oneOrderPerIdempotencyKeyWhicheverNodeAnswersEachRetry() throws Exception {
        Seller seller = shop.seller("Idempotent Tea Co.");
        Item item = shop.item(seller, "IDEM-1", 2_000, 10);
        UUID customerId = UUID.randomUUID();
        String token = shop.customerToken(customerId);
        UUID cart = ClusterShop.cartWith(cluster.withToken(token), item, 2);
        RequestOptions key = RequestOptions.builder().idempotencyKey("checkout-" + cart).build();

        // The same request sent to every node at once, and then to each again: one order, the same answer.
        List<UUID> answered = new ArrayList<>();
        try (ExecutorService retries = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Order>> sent = new ArrayList<>();
            for (int node = 0; node < cluster.size(); node++) {
                MarketplaceClient toNode = cluster.withToken(token, node);
                sent.add(retries.submit(() -> toNode.orders().checkout(ClusterShop.checkoutOf(cart), key)));
            }
            for (Future<Order> order : sent) {
                answered.add(order.get().getId());
            }
        }
        for (int node = 0; node < cluster.size(); node++) {
            answered.add(cluster.withToken(token, node).orders().checkout(ClusterShop.checkoutOf(cart), key).getId());
        }

        assertThat(Set.copyOf(answered)).hasSize(1);
        assertThat(db.fetchValue("SELECT count(*) FROM customer_order WHERE cart_id = ?", cart)).isEqualTo(1L);
        List<Long> reserved = shop.reservedBesidePlaced(item, List.of(cart), 2);
        assertThat(reserved.getFirst()).as("reserved").isEqualTo(reserved.getLast());
    }

    /**
     * Orders left unpaid expire, paid ones nobody accepts are rejected and refunded, each by whichever node's job
     * comes first, once: one transition, one stock release, one refund at the provider, one money event each; the
     * ledger reconciles.
     */
    @Test
    void everyDeadlineJobRunsOncePerDueItemAndTheLedgerReconciles() throws Exception {
        Seller seller = shop.seller("Deadline Goods Ltd.");
        Item item = shop.item(seller, "DUE-1", 3_000, 20);
        List<UUID> unpaid = new ArrayList<>();
        List<UUID> paid = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            MarketplaceClient customer = shop.customer();
            Order order = customer.orders().checkout(ClusterShop.checkoutOf(ClusterShop.cartWith(customer, item, 1)));
            if (i % 2 == 0) {
                unpaid.add(order.getId());
            } else {
                customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
                paid.add(order.getId());
            }
        }

        Await.until(Duration.ofSeconds(60), "unpaid orders expired and unaccepted ones refunded", () ->
                shop.count("SELECT count(*) FROM customer_order WHERE id = ANY(?) AND status = 'expired'", unpaid) == unpaid.size()
                && shop.count("""
                        SELECT count(*) FROM payment_refund r JOIN payment p ON p.id = r.payment_id
                         WHERE p.order_id = ANY(?) AND r.status = 'succeeded'""", paid) == paid.size());

        assertThat(shop.count("SELECT count(*) FROM order_transition WHERE order_id = ANY(?) AND sub_order_id IS NULL"
                + " AND to_status = 'expired'",
                unpaid)).as("one expiry per order").isEqualTo(unpaid.size());
        assertThat(shop.count("""
                SELECT count(*) FROM order_transition WHERE order_id = ANY(?) AND sub_order_id IS NOT NULL
                   AND to_status = 'rejected'""", paid)).as("one rejection per sub-order").isEqualTo(paid.size());
        assertThat(shop.count("SELECT count(*) FROM domain_event WHERE order_id = ANY(?) AND type = 'payment_refunded'", paid))
                .as("one refund money event per order").isEqualTo(paid.size());
        assertThat(shop.count("SELECT count(*) FROM payment_refund r JOIN payment p ON p.id = r.payment_id WHERE p.order_id = ANY(?)",
                paid)).as("one refund per order").isEqualTo(paid.size());
        List<String> refundKeys = db.fetch("""
                SELECT r.idempotency_key FROM payment_refund r JOIN payment p ON p.id = r.payment_id
                 WHERE p.order_id = ANY(?)""", (Object) paid.toArray(UUID[]::new)).getValues(0, String.class);
        for (String refundKey : refundKeys) {
            assertThat(outside.findAll(postRequestedFor(urlPathMatching("/v1/payments/.*/refunds"))).stream()
                    .filter(request -> refundKey.equals(request.getHeader("Idempotency-Key"))).count())
                    .as("refund %s reached the provider once", refundKey).isEqualTo(1);
        }
        Await.until(Duration.ofSeconds(20), "the stock is released", () -> shop.stock(item).get(1) == 0L);
        assertThat(shop.stock(item)).containsExactly(20L, 0L);
        assertLedgerReconciles(shop.operator());
    }

    @Test
    void theStockFeedIsTheSameOnEveryNodeAndHoldsEveryChange() throws Exception {
        Seller seller = shop.seller("Feed Goods Ltd.");
        Item item = shop.item(seller, "FEED-1", 500, 1);
        MarketplaceClient[] perNode = new MarketplaceClient[cluster.size()];
        String token = cluster.token(seller.clientId(), seller.secret());
        for (int node = 0; node < cluster.size(); node++) {
            perNode[node] = cluster.withToken(token, node);
        }
        for (int change = 2; change <= 13; change++) {
            shop.setStock(item, change, perNode[change % cluster.size()]);
        }

        List<List<String>> feeds = new ArrayList<>();
        for (int node = 0; node < cluster.size(); node++) {
            int reader = node;
            List<String> feed = new ArrayList<>();
            Await.until(Duration.ofSeconds(20), "node " + node + "'s feed holds every change", () -> {
                feed.clear();
                feed.addAll(stockFeed(token, reader, item));
                return feed.size() >= 13;
            });
            feeds.add(feed);
        }
        // The level's creation, the first stock and the twelve changes made through the three nodes.
        assertThat(feeds.get(0)).hasSizeGreaterThanOrEqualTo(13).doesNotHaveDuplicates();
        assertThat(feeds.get(1)).isEqualTo(feeds.get(0));
        assertThat(feeds.get(2)).isEqualTo(feeds.get(0));
    }

    /**
     * Every event of the endpoint's topics delivered once, in sequence, whichever node's worker sent it. The topics are
     * those the five orders make at once (their later cancellation by the acceptance deadline is left out), and the
     * endpoint is made once the fan-out has passed every earlier event, so the endpoint's messages are exactly these.
     */
    @Test
    void webhooksDeliverEveryEventOnceInSequence() throws Exception {
        // Unsettled events count too: an earlier test's event still without a position (its transaction not yet
        // older than every running one) would otherwise reach the new endpoint as a sixth order.placed.
        Await.until(Duration.ofSeconds(30), "the fan-out has passed the earlier tests' events", () -> shop.count("""
                SELECT count(*) FROM event_subscription s, domain_event e
                 WHERE s.name = 'webhooks.fan-out' AND e.type = ANY(s.types)
                   AND (e.position IS NULL OR e.position > s.position)""") == 0);
        UUID endpoint = shop.operatorWebhookEndpoint("http://127.0.0.1:" + outside.port() + "/hooks/operator",
                "[\"order.placed\", \"payment.captured\", \"order.paid\"]");

        Seller seller = shop.seller("Webhook Goods Ltd.");
        Item item = shop.item(seller, "HOOK-1", 800, 20);
        for (int i = 0; i < 5; i++) {
            MarketplaceClient customer = shop.customer();
            Order order = customer.orders().checkout(ClusterShop.checkoutOf(ClusterShop.cartWith(customer, item, 1)));
            customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        }

        int messages = 5 * 3;
        try {
            Await.until(Duration.ofSeconds(60), "every delivery made", () -> shop.count("""
                    SELECT count(*) FROM webhook_delivery WHERE endpoint_id = ? AND status = 'delivered'""", endpoint)
                    == messages);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + deliveryLog(endpoint,
                    outside.findAll(postRequestedFor(urlPathEqualTo("/hooks/operator")))), e);
        }
        Map<Long, String> eventBySequence = new HashMap<>();
        db.fetch("SELECT sequence, event_id::text FROM webhook_delivery WHERE endpoint_id = ?", endpoint)
                .forEach(row -> eventBySequence.put(row.get(0, Long.class), row.get(1, String.class)));
        long attempts = shop.count("SELECT count(*) FROM webhook_attempt WHERE endpoint_id = ?", endpoint);
        // WireMock journals a request after answering it, so a node may record a delivery before the journal holds it.
        Await.until(Duration.ofSeconds(20), "the receiver's journal holds every delivered message and attempt", () -> {
            List<LoggedRequest> journal = outside.findAll(postRequestedFor(urlPathEqualTo("/hooks/operator")));
            return journal.size() >= attempts && journal.stream().map(request -> request.getHeader("webhook-id"))
                    .collect(Collectors.toSet()).containsAll(eventBySequence.values());
        });
        List<LoggedRequest> received = outside.findAll(postRequestedFor(urlPathEqualTo("/hooks/operator")));
        java.util.function.Supplier<String> log = () -> deliveryLog(endpoint, received);

        // The fan-out passes over an endpoint that has the event already (decision 73), so a subscriber meeting an
        // event twice no longer shows in the deliveries: it shows in the warning the fan-out logs then (decision 81).
        for (int node = 0; node < cluster.size(); node++) {
            assertThat(cluster.node(node).output()).as("node %d fanned an event out again", node)
                    .doesNotContain("was fanned out to endpoint");
        }
        assertThat(eventBySequence).as(() -> "one delivery per event\n" + log.get()).hasSize(messages);
        assertThat(Set.copyOf(eventBySequence.values())).as(() -> "one delivery per event\n" + log.get())
                .hasSize(messages);
        // A message sent again is one whose earlier attempt failed (a timeout on this loaded machine), as on one
        // node; never one sent by two nodes at once: every message the receiver got is an attempt recorded once.
        assertThat(received).as(() -> "every attempt reached the receiver once\n" + log.get()).hasSize((int) attempts);
        assertThat(received).as(() -> "each message carries its delivery's sequence\n" + log.get()).allSatisfy(request ->
                assertThat(request.getHeader("webhook-id"))
                        .isEqualTo(eventBySequence.get(Long.parseLong(request.getHeader("webhook-sequence")))));
        // In sequence as received: the journal's own order is when WireMock finished answering, which a loaded machine
        // may swap, so the time each request arrived is compared (a message tried again arrives entirely before the
        // next one).
        Map<Long, List<java.util.Date>> arrivals = received.stream().collect(Collectors.groupingBy(
                request -> Long.parseLong(request.getHeader("webhook-sequence")),
                Collectors.mapping(LoggedRequest::getLoggedDate, Collectors.toList())));
        assertThat(arrivals.keySet()).as(() -> "every sequence number, without gaps\n" + log.get())
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, messages).boxed().collect(Collectors.toSet()));
        for (long sequence = 1; sequence < messages; sequence++) {
            long next = sequence + 1;
            assertThat(java.util.Collections.max(arrivals.get(sequence)))
                    .as(() -> "message " + next + " arrived after every attempt of the one before\n" + log.get())
                    .isBeforeOrEqualTo(java.util.Collections.min(arrivals.get(next)));
        }
    }

    /** The endpoint's deliveries and attempts as recorded, and what the receiver got: read when an assertion fails. */
    private static String deliveryLog(UUID endpoint, List<LoggedRequest> received) {
        return "deliveries (sequence, event, topic, status, attempts):\n" + db.fetch("""
                SELECT sequence, event_id, topic, status, attempts, created_at FROM webhook_delivery WHERE endpoint_id = ?
                 ORDER BY sequence, id""", endpoint).format()
                + "\nattempts:\n" + db.fetch("""
                SELECT a.id, d.sequence, d.event_id, a.outcome, a.status_code, a.attempted_at, a.latency_ms
                  FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
                 WHERE a.endpoint_id = ? ORDER BY a.id""", endpoint).format()
                + "\nreceived (webhook-sequence, webhook-id, logged):\n" + received.stream()
                .map(request -> request.getHeader("webhook-sequence") + " " + request.getHeader("webhook-id") + " "
                        + request.getLoggedDate().toInstant())
                .collect(Collectors.joining("\n"));
    }

    /**
     * A listings page cached by node B drops a product sold out through node A within the documented lag (decision
     * 19: under one second; here 3 s, for the scheduling of a loaded test machine).
     */
    @Test
    void aChangeThroughOneNodeIsVisibleOnAnotherWithinTheCacheBound() throws Exception {
        Seller seller = shop.seller("Fresh Goods Ltd.");
        Item item = shop.item(seller, "FRESH-1", 700, 3);
        MarketplaceClient storefrontOnB = cluster.withToken(shop.storefrontToken(), 1);
        ListListingsParams inStock = ListListingsParams.builder().merchantId(seller.id()).inStock(true).build();
        Await.until(Duration.ofSeconds(10), "node B lists the product", () ->
                listed(storefrontOnB, inStock).contains(item.productId()));
        assertThat(listed(storefrontOnB, inStock)).as("cached by node B").contains(item.productId());

        shop.setStock(item, 0, cluster.withToken(cluster.token(seller.clientId(), seller.secret()), 0));
        long soldOut = System.nanoTime();
        Await.until(Duration.ofSeconds(3), "node B no longer lists the sold-out product",
                () -> !listed(storefrontOnB, inStock).contains(item.productId()));
        assertThat(Duration.ofNanos(System.nanoTime() - soldOut)).isLessThan(Duration.ofSeconds(3));
    }

    /**
     * A merchant's quota (240 a minute on every node) holds over the three nodes: 600 requests spread over them in
     * a few seconds get the quota and the refill of those seconds (+10 %), not three quotas.
     */
    @Test
    void aClientsRateLimitHoldsOverTheCluster() throws Exception {
        Seller seller = shop.seller("Eager Integrations Ltd.");
        String token = cluster.token(seller.clientId(), seller.secret());
        List<URI> nodes = List.of(cluster.uri(0), cluster.uri(1), cluster.uri(2));
        long started = System.nanoTime();
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService callers = Executors.newFixedThreadPool(6)) {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                URI node = nodes.get(i % nodes.size());
                calls.add(callers.submit(() -> ClusterNodes.sendDirect(HttpRequest.newBuilder(node.resolve("/v1/locations"))
                        .header("Authorization", "Bearer " + token).GET().build()).statusCode()));
            }
            for (Future<Integer> call : calls) {
                statuses.add(call.get());
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long allowed = statuses.stream().filter(status -> status == 200).count();
        long limit = Math.round((MERCHANT_QUOTA + MERCHANT_QUOTA * seconds / 60) * 1.1);
        assertThat(statuses).as("allowed or limited").allMatch(status -> status == 200 || status == 429);
        assertThat(allowed).as("allowed in %.1f s over three nodes", seconds).isLessThanOrEqualTo(limit)
                .isGreaterThanOrEqualTo(MERCHANT_QUOTA * 8L / 10);
    }

    private static List<UUID> listed(MarketplaceClient storefront, ListListingsParams params) {
        return storefront.listings().listListings(params).getItems().stream().map(l -> l.getProductId()).toList();
    }

    private static List<String> stockFeed(String token, int node, Item item) {
        List<String> positions = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            HttpResponse<String> response = ClusterNodes.sendDirect(HttpRequest.newBuilder(cluster.uri(node).resolve(
                    "/v1/stock/changes?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor)))
                    .header("Authorization", "Bearer " + token).GET().build());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonObject body = json(response.body());
            var items = body.getJsonArray("items");
            items.getValuesAs(JsonObject.class).stream()
                    .filter(change -> change.getString("variantId").equals(item.variantId().toString()))
                    .forEach(change -> positions.add(change.get("position") + ":" + change.getString("kind")));
            if (items.isEmpty()) {
                return positions;
            }
            cursor = java.net.URLEncoder.encode(body.getString("nextCursor"), StandardCharsets.UTF_8);
        }
        return positions;
    }

    static void assertLedgerReconciles(MarketplaceClient operator) throws Exception {
        var reconciliation = operator.settlement().getLedgerReconciliation();
        assertThat(reconciliation.getDiscrepancies()).isEmpty();
        assertThat(reconciliation.getUnbalancedTransactions()).isEmpty();
        assertThat(reconciliation.getReconciled()).isTrue();
    }

    static JsonObject json(String body) {
        return Json.createReader(new StringReader(body)).readObject();
    }
}
