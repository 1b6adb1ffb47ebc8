package dev.marketplace.server.demo;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.security.AccessTokens;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * The demo marketplace's trade, made through its own API once the server answers, as a storefront, the merchants
 * and the operator would make it: welcome points for every demo customer, the platform's coupon and some merchants'
 * coupons, then one or two orders per customer — some with a coupon, some paying part with points — paid through
 * the built-in test provider and taken by their merchants to different states (awaiting acceptance, accepted,
 * shipped, delivered, cancelled, returned and refunded). Points are earned, the ledger posted and the coupons'
 * uses counted by the services themselves; nothing here writes their tables.
 *
 * <p>Idempotent: it runs only while the marketplace has no order at all (the operator's order list), under a
 * PostgreSQL advisory lock so that a second node starting at the same time waits and then finds the orders.
 * Tokens are issued in process ({@link AccessTokens#issue}) for a client id {@value #CLIENT_ID} that no API client
 * has, so each change's audit names it.
 *
 * <p>What it cannot make: points <em>available</em> by earning (an earned lot waits out the return window — 14
 * days by default — after its delivery, whose time is the database's), and points already expired (nothing is dated
 * in the past). The customers' available points are the welcome points and, for one in three, limited-time points
 * expiring within two weeks of the trade by the points' clock: "expiring soon", and expired once their time passes.
 */
public final class DemoActivity {

    /** What was made and how long it took. */
    public record Summary(int customers, int orders, int paid, Map<String, Integer> subOrders, int withCoupons,
                          int withPoints, int withLimitedTimePoints, Duration elapsed, Duration serverCpu) {

        @Override
        public String toString() {
            return String.format("%,d orders of %,d customers (%,d paid, %,d with a coupon, %,d paying with points; "
                            + "sub-orders %s; %,d customers with limited-time points) in %.1f s, %.1f s of this "
                            + "JVM's CPU", orders, customers, paid, withCoupons, withPoints, subOrders,
                    withLimitedTimePoints, elapsed.toMillis() / 1000.0, serverCpu.toMillis() / 1000.0);
        }
    }

    static final String CLIENT_ID = "demo-data";
    static final String PLATFORM_COUPON = "DEMO10";
    private static final String CURRENCY = "JPY";
    private static final int MERCHANTS = 40;
    private static final int SKUS_PER_MERCHANT = 8;
    private static final int MERCHANT_COUPONS = 10;
    private static final long MERCHANT_COUPON_OFF = 300;
    private static final long MERCHANT_COUPON_MIN_SPEND = 2_000;
    /**
     * Customers served at once: enough to overlap commits and round trips, and at most half the pool's connections
     * (fewer on a small pool): the jobs and subscribers following their orders need connections meanwhile too.
     */
    private static final int MOST_THREADS = 4;
    private static final int ATTEMPTS = 8;
    /** Any lock key of its own: it only has to differ from other advisory locks the marketplace takes. */
    private static final long LOCK_KEY = 0x64656d6f5f616374L;
    private static final JsonObject ADDRESS = JSON.createObjectBuilder().add("name", "Demo Customer")
            .add("country", "JP").add("postalCode", "150-0001").add("region", "Tokyo").add("locality", "Shibuya-ku")
            .add("line1", "1-2-3 Jingumae").add("phone", "+81 3-1234-5678").build();

    /** A variant for sale: its merchant and its price excluding tax. */
    private record Sku(UUID merchantId, UUID variantId, long price) {
    }

    private final URI base;
    private final AccessTokens tokens;
    private final DataSource dataSource;
    private final long seed;
    private final int threads;
    /** The points' clock: limited-time points expire by it. */
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<UUID, String> merchantTokens = new ConcurrentHashMap<>();
    private final String operatorToken;
    private String storefrontToken;
    private UUID storefrontId;

    private DemoActivity(URI base, AccessTokens tokens, DataSource dataSource, long seed, int poolSize, Clock clock) {
        this.base = base;
        this.clock = clock;
        this.tokens = tokens;
        this.dataSource = dataSource;
        this.seed = seed;
        this.threads = threadsFor(poolSize);
        this.operatorToken = token(new Principal(PrincipalType.OPERATOR, null, CLIENT_ID,
                Set.of("clients:write", "orders:read", "points:write", "promotions:write")));
    }

    /**
     * Makes the demo trade through the API at {@code base} unless the marketplace already has orders (empty result),
     * or has no demo customers or too few stocked merchants to trade with (empty too).
     */
    public static Optional<Summary> runIfNoOrders(URI base, AccessTokens tokens, Database database, long seed,
                                                  Clock clock) {
        long started = System.nanoTime();
        long cpuBefore = processCpuNanos();
        DataSource dataSource = database.dataSource();
        if (hasOrders(dataSource)) {
            // Every restart of a traded demo: answered before signing tokens and opening an HTTP client, which cost
            // seconds of a loaded machine's start-up (decision 71). The API's answer under the lock stays the rule.
            return Optional.empty();
        }
        // The lock is held for the whole trade: on a connection of its own, not one of the pool the trade's requests need.
        try (Connection lock = database.openDedicatedConnection()) {
            try (PreparedStatement statement = lock.prepareStatement("SELECT pg_advisory_lock(?)")) {
                statement.setLong(1, LOCK_KEY);
                statement.execute();
            }
            try {
                return new DemoActivity(base, tokens, dataSource, seed, database.poolSize(), clock).runUnlessTraded()
                        .map(summary -> new Summary(summary.customers(), summary.orders(), summary.paid(),
                                summary.subOrders(), summary.withCoupons(), summary.withPoints(),
                                summary.withLimitedTimePoints(),
                                Duration.ofNanos(System.nanoTime() - started),
                                Duration.ofNanos(processCpuNanos() - cpuBefore)));
            } finally {
                try (PreparedStatement statement = lock.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    statement.setLong(1, LOCK_KEY);
                    statement.execute();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("demo trade: " + e.getMessage(), e);
        }
    }

    /** How many customers trade at once on a pool of {@code poolSize} connections: at most half of it, at least one. */
    static int threadsFor(int poolSize) {
        return Math.clamp(poolSize / 2, 1, MOST_THREADS);
    }

    private Optional<Summary> runUnlessTraded() throws SQLException {
        if (!call("GET", "/v1/orders?limit=1", operatorToken, null, 200).getJsonArray("items").isEmpty()) {
            return Optional.empty();
        }
        List<UUID> customers = customers();
        Map<UUID, List<Sku>> skus = skus();
        if (customers.isEmpty() || skus.size() < 2) {
            return Optional.empty();
        }
        storefrontId = UUID.fromString(call("POST", "/v1/storefronts", operatorToken, JSON.createObjectBuilder()
                .add("name", "Demo storefront").build(), 201).getString("id"));
        storefrontToken = token(new Principal(PrincipalType.STOREFRONT, storefrontId, CLIENT_ID, Set.of("cart:write")));
        Map<UUID, String> merchantCoupons = coupons(new ArrayList<>(skus.keySet()));

        Trade trade = new Trade(new ArrayList<>(skus.values()), merchantCoupons);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < customers.size(); c++) {
                UUID customer = customers.get(c);
                Random random = new Random(seed * 1_000_003 + c);
                done.add(pool.submit(() -> trade.customer(customer, random)));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("demo trade failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("demo trade interrupted", e);
        }
        Map<String, Integer> fates = new TreeMap<>();
        trade.fates.forEach((fate, count) -> fates.put(fate, count.get()));
        return Optional.of(new Summary(customers.size(), trade.orders.get(), trade.paid.get(), fates,
                trade.withCoupons.get(), trade.withPoints.get(), trade.limitedTime.get(), Duration.ZERO,
                Duration.ZERO));
    }

    /** The platform's 10 % coupon (once per customer) and a fixed 300 yen off of the first merchants' own. */
    private Map<UUID, String> coupons(List<UUID> merchants) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        call("POST", "/v1/promotions/coupons", operatorToken, JSON.createObjectBuilder()
                .add("code", PLATFORM_COUPON).add("name", "10 % off your first order with this code")
                .add("kind", "percentage").add("percentageBasisPoints", 1_000).add("currency", CURRENCY)
                .add("startsAt", now.minusMinutes(1).toString()).add("endsAt", now.plusDays(90).toString())
                .add("maxUsesPerCustomer", 1).build(), 201);
        Map<UUID, String> codes = new LinkedHashMap<>();
        for (int m = 0; m < Math.min(MERCHANT_COUPONS, merchants.size()); m++) {
            UUID merchant = merchants.get(m);
            String code = String.format("DEMO-SHOP-%02d", m + 1);
            call("POST", "/v1/promotions/coupons", merchantToken(merchant), JSON.createObjectBuilder()
                    .add("code", code).add("name", MERCHANT_COUPON_OFF + " yen off from " + MERCHANT_COUPON_MIN_SPEND)
                    .add("kind", "fixed_amount").add("amountOff", money(MERCHANT_COUPON_OFF)).add("currency", CURRENCY)
                    .add("minSpend", money(MERCHANT_COUPON_MIN_SPEND))
                    .add("startsAt", now.minusMinutes(1).toString()).add("endsAt", now.plusDays(30).toString())
                    .add("maxUses", 500).build(), 201);
            codes.put(merchant, code);
        }
        return codes;
    }

    /** One run's orders, made by several threads: each customer's decisions come from its own seeded random. */
    private final class Trade {
        private final List<List<Sku>> merchants;
        private final Map<UUID, String> merchantCoupons;
        final AtomicInteger orders = new AtomicInteger();
        final AtomicInteger paid = new AtomicInteger();
        final AtomicInteger withCoupons = new AtomicInteger();
        final AtomicInteger withPoints = new AtomicInteger();
        final AtomicInteger limitedTime = new AtomicInteger();
        final Map<String, AtomicInteger> fates = new ConcurrentHashMap<>();

        Trade(List<List<Sku>> merchants, Map<UUID, String> merchantCoupons) {
            this.merchants = merchants;
            this.merchantCoupons = merchantCoupons;
        }

        void customer(UUID customer, Random random) {
            String token = token(new Principal(PrincipalType.STOREFRONT, storefrontId, CLIENT_ID,
                    Set.of("cart:write", "orders:read", "orders:write")).actingFor(customer,
                    Set.of("cart:write", "orders:read", "orders:write")));
            long points = 500 + 100L * random.nextInt(26);
            call("POST", "/v1/points/adjustments", operatorToken, JSON.createObjectBuilder()
                    .add("customerId", customer.toString()).add("points", points)
                    .add("reason", "welcome points (demo data)").build(), 201);
            // One customer in three also got limited-time points, expiring within the next two weeks (the storefront's
            // "expiring soon"); checkouts spend them first, the expiry job takes what is left when they lapse.
            if (random.nextInt(3) == 0) {
                OffsetDateTime expiresAt = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC)
                        .plusHours(6 + random.nextInt(14 * 24 - 6)).truncatedTo(ChronoUnit.HOURS);
                call("POST", "/v1/points/adjustments", operatorToken, JSON.createObjectBuilder()
                        .add("customerId", customer.toString()).add("points", 100L * (1 + random.nextInt(10)))
                        .add("reason", "limited-time points (demo data)").add("expiresAt", expiresAt.toString())
                        .build(), 201);
                limitedTime.incrementAndGet();
            }
            boolean platformCouponUsed = false;
            for (int o = random.nextInt(2); o >= 0; o--) {
                List<Sku> lines = lines(random);
                long subtotal = lines.stream().mapToLong(Sku::price).sum();
                List<String> codes = new ArrayList<>();
                if (!platformCouponUsed && random.nextInt(3) == 0) {
                    codes.add(PLATFORM_COUPON);
                    platformCouponUsed = true;
                }
                Map<UUID, Long> byMerchant = new TreeMap<>();
                lines.forEach(sku -> byMerchant.merge(sku.merchantId(), sku.price(), Long::sum));
                byMerchant.forEach((merchant, spent) -> {
                    if (merchantCoupons.containsKey(merchant) && spent >= MERCHANT_COUPON_MIN_SPEND
                            && random.nextBoolean()) {
                        codes.add(merchantCoupons.get(merchant));
                    }
                });
                // At most half the goods' price: whatever the coupons took, the points never exceed what is left.
                long redeem = random.nextInt(5) < 2 ? Math.min(points, Math.max(1, subtotal / 2)) : 0;
                points -= redeem;
                try {
                    order(token, lines, codes, redeem, random);
                } catch (AnswerLost lost) {
                    // The step took effect but its answer was lost (the API's 409 idempotency_outcome_committed, e.g.
                    // when the pool was exhausted after the commit): this order's further steps are left out.
                    fate("answer lost");
                }
            }
        }

        /** One to three SKUs of one or two merchants, one unit each. */
        private List<Sku> lines(Random random) {
            List<Sku> lines = new ArrayList<>();
            int sellers = 1 + random.nextInt(2);
            for (int s = 0; s < sellers; s++) {
                List<Sku> offer = merchants.get(random.nextInt(merchants.size()));
                for (int l = 1 + random.nextInt(2); l > 0; l--) {
                    Sku sku = offer.get(random.nextInt(offer.size()));
                    if (!lines.contains(sku)) {
                        lines.add(sku);
                    }
                }
            }
            return lines;
        }

        private void order(String token, List<Sku> lines, List<String> codes, long redeem, Random random) {
            String cart = call("POST", "/v1/carts", token, JsonValue.EMPTY_JSON_OBJECT, 201).getString("id");
            for (Sku sku : lines) {
                call("PUT", "/v1/carts/" + cart + "/lines/" + sku.variantId(), token,
                        JSON.createObjectBuilder().add("quantity", 1).build(), 200);
            }
            JsonObjectBuilder checkout = JSON.createObjectBuilder().add("cartId", cart)
                    .add("shippingAddress", ADDRESS)
                    .add("couponCodes", JSON.createArrayBuilder(codes));
            if (redeem > 0) {
                checkout.add("redeemPoints", redeem);
            }
            JsonObject order = call("POST", "/v1/orders", token, checkout.build(), 201);
            orders.incrementAndGet();
            if (!codes.isEmpty()) {
                withCoupons.incrementAndGet();
            }
            if (redeem > 0) {
                withPoints.incrementAndGet();
            }
            String orderId = order.getString("id");
            // One order in twenty is left unpaid: it expires like any other at its payment deadline.
            if (!"paid".equals(order.getString("status"))) {
                if (random.nextInt(20) == 0) {
                    fate("unpaid");
                    return;
                }
                call("POST", "/v1/orders/" + orderId + "/payments", token, JSON.createObjectBuilder()
                        .add("paymentMethod", "pm_card_ok").build(), 201);
            }
            paid.incrementAndGet();
            for (JsonValue value : order.getJsonArray("subOrders")) {
                JsonObject subOrder = value.asJsonObject();
                subOrder(token, orderId, subOrder, random.nextInt(100));
            }
        }

        /**
         * Takes a paid sub-order as far as its fate says: 10 % awaiting acceptance, 10 % accepted, 5 % cancelled by
         * the merchant, 20 % shipped, 45 % delivered, 10 % delivered then returned in full and refunded.
         */
        private void subOrder(String customerToken, String orderId, JsonObject subOrder, int fate) {
            String id = subOrder.getString("id");
            String merchant = merchantToken(UUID.fromString(subOrder.getString("merchantId")));
            if (fate < 10) {
                fate("awaiting acceptance");
                return;
            }
            call("POST", "/v1/sub-orders/" + id + "/accept", merchant, JsonValue.EMPTY_JSON_OBJECT, 200);
            if (fate < 20) {
                fate("accepted");
                return;
            }
            if (fate < 25) {
                call("POST", "/v1/sub-orders/" + id + "/cancel", merchant, JSON.createObjectBuilder()
                        .add("reason", "out of stock at the warehouse").build(), 200);
                fate("cancelled");
                return;
            }
            call("POST", "/v1/sub-orders/" + id + "/ship", merchant, JSON.createObjectBuilder()
                    .add("carrier", "yamato").add("trackingNumber", "DEMO-" + id.substring(0, 8)).build(), 200);
            if (fate < 45) {
                fate("shipped");
                return;
            }
            call("POST", "/v1/sub-orders/" + id + "/deliver", merchant, JsonValue.EMPTY_JSON_OBJECT, 200);
            if (fate < 90) {
                fate("delivered");
                return;
            }
            var returned = JSON.createArrayBuilder();
            for (JsonValue line : subOrder.getJsonArray("lines")) {
                returned.add(JSON.createObjectBuilder().add("lineNumber", line.asJsonObject().getInt("lineNumber"))
                        .add("quantity", line.asJsonObject().getJsonNumber("quantity").longValue()));
            }
            String returnId = call("POST", "/v1/orders/" + orderId + "/returns", customerToken, JSON.createObjectBuilder()
                    .add("subOrderId", id).add("lines", returned).add("reason", "not as pictured").build(), 201)
                    .getString("id");
            call("POST", "/v1/returns/" + returnId + "/approve", merchant, JsonValue.EMPTY_JSON_OBJECT, 200);
            call("POST", "/v1/returns/" + returnId + "/receive", merchant, JsonValue.EMPTY_JSON_OBJECT, 200);
            call("POST", "/v1/returns/" + returnId + "/refund", merchant, JsonValue.EMPTY_JSON_OBJECT, 200);
            fate("returned");
        }

        private void fate(String name) {
            fates.computeIfAbsent(name, key -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** The demo customers ({@link DemoData}'s), in the order of their e-mail addresses. */
    private static boolean hasOrders(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT EXISTS (SELECT FROM customer_order)");
             ResultSet row = statement.executeQuery()) {
            return row.next() && row.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException("demo trade: " + e.getMessage(), e);
        }
    }

    private List<UUID> customers() throws SQLException {
        List<UUID> customers = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT id FROM customer WHERE status = "
                     + "'active' AND email LIKE ? AND email LIKE ? ORDER BY email")) {
            statement.setString(1, DemoData.CUSTOMER_EMAIL_PREFIX + "%");
            statement.setString(2, "%" + DemoData.CUSTOMER_EMAIL_DOMAIN);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    customers.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return customers;
    }

    /**
     * Up to {@value #SKUS_PER_MERCHANT} JPY variants of the first {@value #MERCHANTS} active merchants that are
     * published and have stock for a few dozen orders (a storefront would find them in listings).
     */
    private Map<UUID, List<Sku>> skus() throws SQLException {
        Map<UUID, List<Sku>> byMerchant = new LinkedHashMap<>();
        String sql = """
                SELECT m.id, v.id, v.price_amount
                FROM (SELECT id FROM merchant WHERE status = 'active' ORDER BY id LIMIT ?) m
                JOIN LATERAL (SELECT v.id, v.price_amount FROM product_variant v JOIN product p ON p.id = v.product_id
                              WHERE v.merchant_id = m.id AND p.status = 'published' AND v.price_currency = 'JPY'
                                AND (SELECT sum(s.on_hand - s.reserved) FROM stock_level s
                                     WHERE s.variant_id = v.id) >= 50
                              ORDER BY v.id LIMIT ?) v ON true
                ORDER BY m.id, v.id""";
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, MERCHANTS);
            statement.setInt(2, SKUS_PER_MERCHANT);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    UUID merchant = rows.getObject(1, UUID.class);
                    byMerchant.computeIfAbsent(merchant, id -> new ArrayList<>())
                            .add(new Sku(merchant, rows.getObject(2, UUID.class), rows.getLong(3)));
                }
            }
        }
        return byMerchant;
    }

    /** The CPU time of this process (every thread: the requests' handlers, jobs and subscribers too). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private String merchantToken(UUID merchant) {
        return merchantTokens.computeIfAbsent(merchant, id -> token(new Principal(PrincipalType.MERCHANT, id,
                CLIENT_ID, Set.of("fulfilment:write", "promotions:write"))));
    }

    private String token(Principal principal) {
        return tokens.issue(principal).value();
    }

    private static JsonObject money(long amount) {
        return JSON.createObjectBuilder().add("amount", amount).add("currency", CURRENCY).build();
    }

    /**
     * One request, answered {@code expected} or an exception naming what came instead. A POST carries an
     * Idempotency-Key and is resent with it when the server was busy (503, 429, a request of the same key still
     * running) or the connection failed, as any client should.
     */
    private JsonObject call(String method, String path, String token, JsonObject body, int expected) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofMinutes(1))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if ("POST".equals(method)) {
            request.header("Idempotency-Key", UUID.randomUUID().toString());
        }
        HttpRequest built = request.build();
        String outcome = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == expected) {
                    return response.body().isEmpty() ? JsonValue.EMPTY_JSON_OBJECT
                            : JSON.createReader(new StringReader(response.body())).readObject();
                }
                outcome = response.statusCode() + " " + response.body();
                if (response.body().contains("\"idempotency_outcome_committed\"")) {
                    throw new AnswerLost(method + " " + path);
                }
                boolean busy = response.statusCode() == 503 || response.statusCode() == 429
                        || response.body().contains("\"idempotency_request_in_progress\"");
                if (!busy) {
                    break;
                }
                long retryAfter = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
                LockSupport.parkNanos(Duration.ofSeconds(Math.min(retryAfter, 5)).toNanos());
            } catch (IOException e) {
                outcome = e.toString();
                LockSupport.parkNanos(Duration.ofMillis(200L * attempt).toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("demo trade interrupted", e);
            }
        }
        throw new IllegalStateException("demo trade: " + method + " " + path + " answered " + outcome);
    }

    /** A step that took effect whose answer was lost: a resend is refused, the outcome must be read instead. */
    private static final class AnswerLost extends RuntimeException {
        AnswerLost(String step) {
            super(step + ": took effect, answer lost", null, false, false);
        }
    }
}
