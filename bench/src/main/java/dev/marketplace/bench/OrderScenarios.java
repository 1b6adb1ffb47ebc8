package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What a storefront sends for its signed-in customers: carts, checkout and payment (decision 17), and a flash sale
 * of one SKU. The customers are registered, verified and signed in through the real authorization code + PKCE
 * flow once, before anything is timed.
 */
final class OrderScenarios {

    private OrderScenarios() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REDIRECT = "https://bench.example/callback";
    private static final String PASSWORD = "bench password 1234";
    private static final String ADDRESS = """
            {"name":"Sato Yui","country":"JP","postalCode":"150-0001","region":"Tokyo","locality":"Shibuya-ku",\
            "line1":"1-2-3 Jingumae","phone":"+81 3-1234-5678"}""";
    private static final int CUSTOMERS = 50;
    private static final int SET_UP_THREADS = 16;
    private static final int MAX_THROUGHPUT_CONNECTIONS = 32;
    private static final int OPEN_LOOP_CONNECTIONS = 128;
    private static final int OPEN_LOOP_RATE = 300;
    /**
     * Carts written by SQL for the closed loop of checkouts alone: enough for 1,000 checkouts/s (twice the target)
     * through warm-up and measurement; running out is reported, never papered over with replays.
     */
    private static final int CLOSED_LOOP_CART_RATE = 1_000;

    /** Checkouts alone per second at {@link #MAX_THROUGHPUT_CONNECTIONS} connections in this run, for the pgbench share. */
    private static volatile Double checkoutsPerSecondClosedLoop;

    static Optional<Double> checkoutsPerSecondClosedLoop() {
        return Optional.ofNullable(checkoutsPerSecondClosedLoop);
    }

    /** Signed-in customers shared by the scenarios of one run (signing in is set-up, done once). */
    private static List<String> customerTokens;

    static synchronized List<String> customerTokens(Scenario.Context context) {
        if (customerTokens == null) {
            customerTokens = new SignIn(context).customers(CUSTOMERS);
        }
        return customerTokens;
    }

    /** Registration, email verification (the code read from the server's log) and the hosted sign-in pages. */
    private static final class SignIn {
        private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
        private static final Pattern CODE = Pattern.compile("^(mps_[A-Za-z0-9_-]+)$", Pattern.MULTILINE);
        private static final String SCOPE = "cart:write orders:read orders:write";
        private final Scenario.Context context;
        private final Api api;
        private final Api.Credentials storefront;
        private final String storefrontToken;

        SignIn(Scenario.Context context) {
            this.context = context;
            // Set-up on a loaded machine: a 503 while signing customers up is retried (the baseline checkout
            // scenario once failed here before measuring anything).
            this.api = context.api().retryingWhenUnavailable();
            // A storefront client names a registered storefront.
            String shop = api.post(context.operatorToken(), "/v1/storefronts",
                    JSON.createObjectNode().put("name", "bench shop").toString(), 201).get("id").asText();
            var body = JSON.createObjectNode().put("name", "bench shop").put("principalType", "storefront")
                    .put("principalId", shop);
            body.putArray("scopes").add("customers:register").add("cart:write").add("orders:read").add("orders:write");
            body.putArray("redirectUris").add(REDIRECT);
            JsonNode created = api.post(context.operatorToken(), "/v1/clients", body.toString(), 201);
            storefront = new Api.Credentials(created.get("client").get("clientId").asText(),
                    created.get("clientSecret").asText());
            storefrontToken = api.token(storefront);
        }

        List<String> customers(int count) {
            String run = Long.toString(System.currentTimeMillis(), 36);
            String[] tokens = new String[count];
            inParallel(count, i -> tokens[i] = signedIn("bench-" + run + "-" + i + "@example.com"));
            return List.of(tokens);
        }

        private String signedIn(String email) {
            api.post(storefrontToken, "/v1/customers", JSON.createObjectNode().put("email", email)
                    .put("password", PASSWORD).put("name", "Bench Buyer").toString(), 201);
            api.post(storefrontToken, "/v1/customers/email-verifications",
                    JSON.createObjectNode().put("token", mailedCode(email)).toString(), 204);
            String verifier = random();
            String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier));
            HttpResponse<String> page = api.exchange(anonymous("/oauth2/authorize?response_type=code&client_id="
                    + encode(storefront.id()) + "&redirect_uri=" + encode(REDIRECT) + "&scope=" + encode(SCOPE)
                    + "&code_challenge=" + challenge + "&code_challenge_method=S256&state=bench").GET().build());
            expect(page, 200);
            String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
            HttpResponse<String> consent = api.exchange(form("/oauth2/authorize/sign-in", cookie,
                    "csrf=" + encode(csrf(page.body())) + "&email=" + encode(email) + "&password=" + encode(PASSWORD)));
            HttpResponse<String> back = api.exchange(form("/oauth2/authorize/consent", cookie,
                    "csrf=" + encode(csrf(consent.body())) + "&decision=allow"));
            expect(back, 303);
            String code = query(URI.create(back.headers().firstValue("Location").orElseThrow())).get("code");
            String basic = Base64.getEncoder().encodeToString((storefront.id() + ":" + storefront.secret())
                    .getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> tokens = api.exchange(anonymous("/oauth2/token").header("Authorization", "Basic " + basic)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code=" + encode(code)
                            + "&redirect_uri=" + encode(REDIRECT) + "&code_verifier=" + verifier)).build());
            expect(tokens, 200);
            return read(tokens.body()).get("access_token").asText();
        }

        /** The default mail sender writes each mail to the server's log, the code on a line of its own. */
        private String mailedCode(String email) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            String heading = "mail to " + email + ":";
            while (System.nanoTime() < deadline) {
                String log = readLog();
                int at = log.lastIndexOf(heading);
                if (at >= 0) {
                    Matcher code = CODE.matcher(log.substring(at));
                    if (code.find()) {
                        return code.group(1);
                    }
                }
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // polling the log: the mail has no other signal
            }
            throw new IllegalStateException("no verification mail to " + email + " in " + context.serverLog());
        }

        private String readLog() {
            try {
                return Files.readString(context.serverLog(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private HttpRequest.Builder anonymous(String path) {
            // Set-up, not measured: as patient as the API's own set-up calls (a token exchange once took over 30 s
            // at load 21, 16 sign-ins at once, failing the baseline checkout before it measured anything).
            return HttpRequest.newBuilder(api.base().resolve(path)).timeout(Duration.ofMinutes(2));
        }

        private HttpRequest form(String path, String cookie, String body) {
            return anonymous(path).header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookie)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        }

        private static String csrf(String html) {
            Matcher matcher = CSRF.matcher(html);
            if (!matcher.find()) {
                throw new IllegalStateException("no CSRF token in the page: " + html);
            }
            return matcher.group(1);
        }

        private static Map<String, String> query(URI uri) {
            Map<String, String> parameters = new LinkedHashMap<>();
            for (String pair : uri.getRawQuery().split("&")) {
                String[] parts = pair.split("=", 2);
                parameters.put(parts[0], URLDecoder.decode(parts.length > 1 ? parts[1] : "", StandardCharsets.UTF_8));
            }
            return parameters;
        }

        private static String random() {
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        private static byte[] sha256(String text) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A purchasable variant: published product of an active merchant, priced in JPY, stocked at one location. */
    record Sku(String merchantId, String variantId, String locationId) {
    }

    /**
     * Up to {@code perMerchant} single-location JPY variants of each of {@code merchants} active merchants, skipping
     * the first {@code skipMerchants}, read from the embedded database (the ids a storefront would have from listings).
     */
    static Map<String, List<Sku>> skus(Scenario.Context context, int skipMerchants, int merchants, int perMerchant)
            throws Exception {
        Map<String, List<Sku>> byMerchant = new LinkedHashMap<>();
        String sql = """
                SELECT m.id, s.variant_id, min(s.location_id::text)
                FROM merchant m
                JOIN LATERAL (SELECT v.id FROM product_variant v JOIN product p ON p.id = v.product_id
                              WHERE v.merchant_id = m.id AND p.status = 'published' AND v.price_currency = 'JPY'
                              ORDER BY v.id LIMIT %d) v ON true
                JOIN stock_level s ON s.variant_id = v.id
                WHERE m.id IN (SELECT id FROM merchant WHERE status = 'active' ORDER BY id OFFSET %d LIMIT %d)
                GROUP BY m.id, s.variant_id HAVING count(*) = 1
                ORDER BY m.id, s.variant_id""".formatted(perMerchant, skipMerchants, merchants);
        try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
             Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                byMerchant.computeIfAbsent(rows.getString(1), id -> new ArrayList<>())
                        .add(new Sku(rows.getString(1), rows.getString(2), rows.getString(3)));
            }
        }
        byMerchant.values().removeIf(skus -> skus.size() < Math.min(2, perMerchant));
        if (byMerchant.size() < Math.min(3, merchants)) {
            throw new IllegalStateException("too few merchants with stocked JPY variants: is the demo data there?");
        }
        return byMerchant;
    }

    /**
     * A {@code sourceSequence} newer than every absolute stock count the bench sent before: the milliseconds since the
     * epoch times 1,000, so that a scenario may count up from it within its run (the search-under-writes ERP does).
     */
    static long newestSourceSequence() {
        return System.currentTimeMillis() * 1_000;
    }

    /** Sets each SKU's stock absolutely through the API, as the merchant's ERP would. */
    static void setStock(Scenario.Context context, List<Sku> skus, long onHand) {
        String token = context.api().token(context.api().createClient(context.operatorToken(),
                "bench stock " + UUID.randomUUID(), "operator", null, List.of("inventory:write")));
        long sequence = newestSourceSequence();
        for (int from = 0; from < skus.size(); from += 10_000) {
            var body = JSON.createObjectNode();
            var items = body.putArray("items");
            for (Sku sku : skus.subList(from, Math.min(skus.size(), from + 10_000))) {
                items.addObject().put("variantId", sku.variantId()).put("locationId", sku.locationId())
                        .put("setOnHand", onHand).put("sourceSequence", sequence);
            }
            for (JsonNode result : context.api().post(token, "/v1/stock/updates", body.toString(), 200).get("results")) {
                if (!"applied".equals(result.get("outcome").asText())) {
                    throw new IllegalStateException("stock update not applied: " + result);
                }
            }
        }
    }

    /** A new cart of the customer with the SKUs, one unit each unless given; returns its id. */
    static String cart(Api api, String customerToken, List<Sku> lines, int quantity) {
        String cart = api.post(customerToken, "/v1/carts", "{}", 201).get("id").asText();
        for (Sku sku : lines) {
            api.put(customerToken, "/v1/carts/" + cart + "/lines/" + sku.variantId(),
                    "{\"quantity\":" + quantity + "}", 200);
        }
        return cart;
    }

    /** A cart written by SQL for the signed-in customer {@code customer} (an index into the customers' tokens). */
    record PreparedCart(UUID id, int customer, List<Sku> lines) {
    }

    /**
     * {@code count} carts of five lines from three merchants at today's prices, claimed by the signed-in customers in
     * turn, written by SQL (bulk test data, decision 15: the API would take minutes): each customer makes one cart
     * through the API first, whose storefront and customer ids the written carts copy.
     */
    static List<PreparedCart> sqlCarts(Scenario.Context context, List<String> customers, List<List<Sku>> merchants,
                                       int count) throws Exception {
        Api api = context.api();
        UUID[] made = new UUID[customers.size()];
        inParallel(customers.size(), i -> made[i] = UUID.fromString(
                api.post(customers.get(i), "/v1/carts", "{}", 201).get("id").asText()));
        List<PreparedCart> carts = new ArrayList<>(count);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            carts.add(new PreparedCart(UUID.randomUUID(), i % customers.size(), fiveLinesFromThreeMerchants(merchants, random)));
        }
        try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "")) {
            UUID[] storefronts = new UUID[made.length];
            UUID[] owners = new UUID[made.length];
            try (PreparedStatement owner = db.prepareStatement(
                    "SELECT storefront_id, customer_id FROM cart WHERE id = ?")) {
                for (int i = 0; i < made.length; i++) {
                    owner.setObject(1, made[i]);
                    try (ResultSet row = owner.executeQuery()) {
                        row.next();
                        storefronts[i] = row.getObject(1, UUID.class);
                        owners[i] = row.getObject(2, UUID.class);
                    }
                }
            }
            try (PreparedStatement cartRows = db.prepareStatement("""
                    INSERT INTO cart (id, storefront_id, customer_id)
                    SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[])""");
                 PreparedStatement lineRows = db.prepareStatement("""
                    INSERT INTO cart_line (cart_id, variant_id, quantity, seen_price_amount, seen_price_currency)
                    SELECT l.cart_id, l.variant_id, 1, v.price_amount, v.price_currency
                    FROM unnest(?::uuid[], ?::uuid[]) AS l(cart_id, variant_id)
                    JOIN product_variant v ON v.id = l.variant_id""")) {
                for (int from = 0; from < count; from += 10_000) {
                    List<PreparedCart> batch = carts.subList(from, Math.min(count, from + 10_000));
                    cartRows.setArray(1, db.createArrayOf("uuid", batch.stream().map(PreparedCart::id).toArray()));
                    cartRows.setArray(2, db.createArrayOf("uuid", batch.stream().map(c -> storefronts[c.customer()]).toArray()));
                    cartRows.setArray(3, db.createArrayOf("uuid", batch.stream().map(c -> owners[c.customer()]).toArray()));
                    cartRows.executeUpdate();
                    lineRows.setArray(1, db.createArrayOf("uuid", batch.stream()
                            .flatMap(c -> c.lines().stream().map(line -> c.id())).toArray()));
                    lineRows.setArray(2, db.createArrayOf("uuid", batch.stream()
                            .flatMap(c -> c.lines().stream().map(line -> UUID.fromString(line.variantId()))).toArray()));
                    lineRows.executeUpdate();
                }
            }
        }
        return carts;
    }

    static String checkoutBody(String cartId) {
        return "{\"cartId\":\"" + cartId + "\",\"shippingAddress\":" + ADDRESS + "}";
    }

    /** Five lines from three merchants: two, two and one. */
    static List<Sku> fiveLinesFromThreeMerchants(List<List<Sku>> merchants, ThreadLocalRandom random) {
        List<Sku> lines = new ArrayList<>();
        List<Integer> chosen = new ArrayList<>();
        while (chosen.size() < 3) {
            int merchant = random.nextInt(merchants.size());
            if (!chosen.contains(merchant)) {
                chosen.add(merchant);
            }
        }
        for (int m = 0; m < 3; m++) {
            List<Sku> skus = merchants.get(chosen.get(m));
            int first = random.nextInt(skus.size());
            lines.add(skus.get(first));
            if (m < 2) {
                lines.add(skus.get((first + 1 + random.nextInt(skus.size() - 1)) % skus.size()));
            }
        }
        return lines;
    }

    static void inParallel(int count, IntConsumer task) {
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        ConcurrentHashMap<Integer, RuntimeException> failures = new ConcurrentHashMap<>();
        for (int t = 0; t < Math.min(SET_UP_THREADS, count); t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = next.getAndIncrement(); i < count && failures.isEmpty(); i = next.getAndIncrement()) {
                    try {
                        task.accept(i);
                    } catch (RuntimeException e) {
                        failures.put(i, e);
                    }
                }
            }));
        }
        LoadGenerator.joinAll(threads);
        failures.values().stream().findFirst().ifPresent(e -> {
            throw e;
        });
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(json, e);
        }
    }

    private static void expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.request().uri().getPath()
                    + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Checkout of carts of five lines from three merchants over many SKUs (hot rows are the flash sale's subject):
     * the whole flow (cart, lines, checkout, payment) as fast as 32 storefront connections go, each step timed; then
     * {@code POST /v1/orders} alone, open loop at 300/s, then as fast as 32 connections go, each over carts written by
     * SQL beforehand (filling 12,600 carts through the API took four minutes of every run).
     */
    static final class Checkout implements Scenario {
        @Override
        public String name() {
            return "checkout";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            List<String> customers = customerTokens(context);
            List<List<Sku>> merchants = new ArrayList<>(skus(context, 0, 60, 20).values());
            setStock(context, merchants.stream().flatMap(List::stream).toList(), 1_000_000);
            Api api = context.api();

            Map<String, Histogram> steps = new LinkedHashMap<>();
            for (String step : List.of("createCart", "setLine", "checkout", "pay", "wholeFlow")) {
                steps.put(step, new ConcurrentHistogram(3));
            }
            LongAdder orders = new LongAdder();
            Map<String, LongAdder> failures = new ConcurrentHashMap<>();
            long start = System.nanoTime();
            long measuredFrom = start + context.timing().warmUp().toNanos();
            long end = measuredFrom + context.timing().measured().toNanos();
            Machine.CpuMeter flowCpu = new Machine.CpuMeter(context);
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < MAX_THROUGHPUT_CONNECTIONS; c++) {
                String customer = customers.get(c % customers.size());
                threads.add(Thread.ofVirtual().start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (System.nanoTime() < end) {
                        boolean measured = System.nanoTime() >= measuredFrom;
                        try {
                            long t0 = System.nanoTime();
                            String cart = api.post(customer, "/v1/carts", "{}", 201).get("id").asText();
                            long t1 = System.nanoTime();
                            List<Long> lineTimes = new ArrayList<>();
                            for (Sku sku : fiveLinesFromThreeMerchants(merchants, random)) {
                                long l0 = System.nanoTime();
                                api.put(customer, "/v1/carts/" + cart + "/lines/" + sku.variantId(), "{\"quantity\":1}", 200);
                                lineTimes.add(System.nanoTime() - l0);
                            }
                            long t2 = System.nanoTime();
                            String order = api.post(customer, "/v1/orders", checkoutBody(cart), 201).get("id").asText();
                            long t3 = System.nanoTime();
                            api.post(customer, "/v1/orders/" + order + "/payments", "{\"paymentMethod\":\"pm_card_ok\"}", 201);
                            long t4 = System.nanoTime();
                            if (measured && t4 <= end) {
                                orders.increment();
                                steps.get("createCart").recordValue(Math.max(1, (t1 - t0) / 1_000));
                                lineTimes.forEach(nanos -> steps.get("setLine").recordValue(Math.max(1, nanos / 1_000)));
                                steps.get("checkout").recordValue(Math.max(1, (t3 - t2) / 1_000));
                                steps.get("pay").recordValue(Math.max(1, (t4 - t3) / 1_000));
                                steps.get("wholeFlow").recordValue(Math.max(1, (t4 - t0) / 1_000));
                            }
                        } catch (RuntimeException e) {
                            if (measured) {
                                String message = String.valueOf(e.getMessage());
                                failures.computeIfAbsent(message.substring(0, Math.min(120, message.length())),
                                        key -> new LongAdder()).increment();
                            }
                        }
                    }
                }));
            }
            LoadGenerator.joinAll(threads);
            Report.CpuShares flowShares = flowCpu.stop();
            double flowSeconds = context.timing().measured().toNanos() / 1e9;
            double flowsPerSecond = orders.sum() / flowSeconds;
            Map<String, Report.Latency> stepLatencies = new LinkedHashMap<>();
            steps.forEach((step, histogram) -> stepLatencies.put(step, Report.Latency.of(histogram)));
            long flowFailures = failures.values().stream().mapToLong(LongAdder::sum).sum();

            // Open loop: POST /v1/orders alone over carts written beforehand, each checked out once.
            // One fresh cart per scheduled request (a repeated one would only be replayed by the idempotency filter).
            int carts = (int) Math.ceil(OPEN_LOOP_RATE * (context.timing().warmUp().toSeconds()
                    + context.timing().measured().toSeconds()) * 1.05);
            long preparing = System.nanoTime();
            byte[][] checkouts = sqlCarts(context, customers, merchants, carts).stream()
                    .map(cart -> HttpConnection.post(context.base(), "/v1/orders", customers.get(cart.customer()),
                            checkoutBody(cart.id().toString())))
                    .toArray(byte[][]::new);
            double preparingSeconds = (System.nanoTime() - preparing) / 1e9;
            AtomicInteger nextCart = new AtomicInteger();
            long ordersBefore = Machine.CpuMeter.rows(context, "customer_order");
            Machine.CpuMeter rateCpu = new Machine.CpuMeter(context);
            Report.Load atRate = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS).atRate(OPEN_LOOP_RATE,
                    context.timing().warmUp(), context.timing().measured(),
                    random -> checkouts[nextCart.getAndIncrement() % checkouts.length]);
            Map<String, Object> perCheckoutAtRate = rateCpu.perRequest(
                    Machine.CpuMeter.rows(context, "customer_order") - ordersBefore);
            Report.CpuShares rateShares = rateCpu.stop();

            // Closed loop: POST /v1/orders alone as fast as 32 connections go (the maximum the target is about, and
            // the figure the pgbench run of the same SQL is compared with), over carts written by SQL.
            long writing = System.nanoTime();
            List<PreparedCart> sqlCarts = sqlCarts(context, customers, merchants, (int) (CLOSED_LOOP_CART_RATE
                    * (context.timing().warmUp().toSeconds() + context.timing().measured().toSeconds())));
            double writingSeconds = (System.nanoTime() - writing) / 1e9;
            byte[][] closedLoopCheckouts = sqlCarts.stream().map(cart -> HttpConnection.post(context.base(),
                    "/v1/orders", customers.get(cart.customer()), checkoutBody(cart.id().toString()))).toArray(byte[][]::new);
            AtomicInteger nextSqlCart = new AtomicInteger();
            long ordersBeforeClosed = Machine.CpuMeter.rows(context, "customer_order");
            Machine.CpuMeter closedCpu = new Machine.CpuMeter(context);
            Report.Load closedLoop = new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS).asFastAsPossible(
                    context.timing().warmUp(), context.timing().measured(), random -> {
                        int next = nextSqlCart.getAndIncrement();
                        if (next >= closedLoopCheckouts.length) {
                            throw new IllegalStateException("out of prepared carts");
                        }
                        return closedLoopCheckouts[next];
                    });
            Map<String, Object> perCheckoutClosed = closedCpu.perRequest(
                    Machine.CpuMeter.rows(context, "customer_order") - ordersBeforeClosed);
            Report.CpuShares closedShares = closedCpu.stop();
            checkoutsPerSecondClosedLoop = closedLoop.errors() == 0 ? closedLoop.throughput() : null;

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("customersSignedIn", customers.size());
            figures.put("merchants", merchants.size());
            figures.put("skus", merchants.stream().mapToInt(List::size).sum());
            figures.put("wholeFlowClosedLoop", Map.of("connections", MAX_THROUGHPUT_CONNECTIONS,
                    "ordersPerSecond", Report.round(flowsPerSecond), "requestsPerOrder", 8,
                    "failures", new TreeMap<>(failures), "latencyMsByStep", stepLatencies));
            figures.put("wholeFlowClosedLoopCpu", flowShares);
            figures.put("cartsPrepared", carts);
            figures.put("cartsPreparedSeconds", Report.round(preparingSeconds));
            figures.put("checkoutOpenLoop300", atRate);
            figures.put("checkoutOpenLoop300Cpu", rateShares);
            figures.put("checkoutOpenLoop300CpuPerCheckout", perCheckoutAtRate);
            figures.put("sqlCartsWritten", sqlCarts.size());
            figures.put("sqlCartsWrittenSeconds", Report.round(writingSeconds));
            figures.put("checkoutClosedLoop", closedLoop);
            figures.put("checkoutClosedLoopCpu", closedShares);
            figures.put("checkoutClosedLoopCpuPerCheckout", perCheckoutClosed);
            Report.Latency checkout = stepLatencies.get("checkout");
            return new Report.Scenario(name(), "measured",
                    "maximum measured as checkouts alone (closed loop, 32 connections); whole flows (cart, 5 lines, "
                    + "checkout, payment: 8 requests per order) beside it",
                    figures, List.of(
                    new Report.Check("≥ 500 orders/s max (closed loop)", String.format(Locale.ROOT,
                            "%.0f checkouts/s alone at 32 connections (p99 %.1f ms, %d errors); %.0f orders/s as whole "
                            + "flows of 8 requests, checkout p99 %.1f ms (%d failures)", closedLoop.throughput(),
                            closedLoop.latencyMs() == null ? Double.NaN : closedLoop.latencyMs().p99(),
                            closedLoop.errors(), flowsPerSecond, checkout == null ? Double.NaN : checkout.p99(),
                            flowFailures),
                            closedLoop.throughput() >= 500 && closedLoop.errors() == 0),
                    new Report.Check("p99 < 100 ms at 300 checkouts/s (open loop)", atRate.describeP99(),
                            atRate.p99Below(100))));
        }
    }

    /**
     * 1,000 buyers, one SKU with exactly 100 units: every buyer's cart is filled first, then all check out at once,
     * each on its own connection and virtual thread. Exactly 100 orders and no unit left are the correctness
     * targets; attempts/s (all answers over the time from the start signal to the last answer) is the speed one. A
     * buyer answered 503 with Retry-After sends the same request again after it, as a shopper's app would: shedding
     * defers a buyer, it must not lose the sale (before, buyers gave up and units could be left unsold).
     */
    static final class FlashSale implements Scenario {
        private static final int BUYERS = 1_000;
        private static final int UNITS = 100;

        @Override
        public String name() {
            return "flash-sale";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            List<String> customers = customerTokens(context);
            // A SKU no other scenario touches: from merchants after the checkout's sixty.
            Sku sku = skus(context, 100, 10, 1).values().iterator().next().getFirst();
            setStock(context, List.of(sku), UNITS);
            Api api = context.api();
            String[] carts = new String[BUYERS];
            inParallel(BUYERS, i -> carts[i] = cart(api, customers.get(i % customers.size()), List.of(sku), 1));

            List<Integer> everyone = new ArrayList<>();
            for (int i = 0; i < BUYERS; i++) {
                everyone.add(i);
            }
            String[] outcomeOf = new String[BUYERS];
            Wave sale = wave(context, customers, carts, everyone, outcomeOf);
            // The buyers refused press again, once each (a new request, so a new key): the sell-out is known by now,
            // so these are the refusals the target is about.
            List<Integer> refused = everyone.stream()
                    .filter(i -> "409 insufficient_stock".equals(outcomeOf[i])).toList();
            Wave again = wave(context, customers, carts, refused, new String[BUYERS]);
            Map<String, Long> byOutcome = sale.outcomes();
            long ordersPlaced = byOutcome.getOrDefault("201 order", 0L);
            double seconds = sale.seconds();
            double attemptsPerSecond = sale.attempts() / seconds;

            JsonNode stock = api.get(api.token(api.createClient(context.operatorToken(), "bench stock reader "
                    + UUID.randomUUID(), "operator", null, List.of("inventory:read"))),
                    "/v1/stock?variantId=" + sku.variantId()).get("items");
            long available = 0;
            long onHand = 0;
            for (JsonNode level : stock) {
                available += level.get("available").asLong();
                onHand += level.get("onHand").asLong();
            }

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("buyers", BUYERS);
            figures.put("units", UNITS);
            figures.put("seconds", Report.round(seconds));
            figures.put("attemptsPerSecond", Report.round(attemptsPerSecond));
            figures.put("outcomes", byOutcome);
            figures.put("latencyMs", sale.latencyMs());
            figures.put("stockAfter", Map.of("onHand", onHand, "available", available));
            figures.put("refusalsFromMemory", sale.refusalsFromMemory());
            figures.put("refusalsWithoutStatement", sale.refusalsWithoutStatement());
            figures.put("cpu", sale.cpu());
            figures.put("serverCpuMsPerAttempt", Report.round(sale.serverCpuMsPerAttempt()));
            figures.put("jvmCpuMsPerAttempt", sale.jvmCpuMsPerAttempt());
            figures.put("postgresCpuMsPerAttempt", sale.postgresCpuMsPerAttempt());
            figures.put("commitsPerAttempt", sale.commitsPerAttempt());
            figures.put("retriesAfterTheSellOut", again);
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("exactly 100 orders", ordersPlaced + " orders " + byOutcome,
                            ordersPlaced == UNITS),
                    new Report.Check("stock 0 available", available + " available of " + onHand + " on hand",
                            available == 0),
                    new Report.Check("≥ 1,500 attempts/s", String.format(Locale.ROOT,
                            "%.0f attempts/s (%d answers to %d buyers in %.2f s; %d sent again after a 503's "
                            + "Retry-After)", attemptsPerSecond, sale.attempts(), BUYERS, seconds,
                            sale.retriedAfter503()), attemptsPerSecond >= 1_500),
                    // Decision 79: once the sell-out is known (the mark set, the carts' announcements caught up
                    // with it), a refusal of a cart announced open runs no statement; its audit line is written
                    // in a batch. The first wave's buyers start together, before anything is known.
                    new Report.Check("refusals of the sold-out SKU touch no database", String.format(Locale.ROOT,
                            "retries after the sell-out: %d of %d refused without any statement (%s, %.2f ms server "
                            + "CPU each, load %.1f); in the sale itself %d of %d refusals from memory, %d of them "
                            + "without any statement", again.refusalsWithoutStatement(), refused.size(),
                            again.outcomes(), again.serverCpuMsPerAttempt(), again.cpu().loadAverage1m(),
                            sale.refusalsFromMemory(), byOutcome.getOrDefault("409 insufficient_stock", 0L),
                            sale.refusalsWithoutStatement()),
                            !refused.isEmpty() && again.refusalsWithoutStatement() == refused.size())));
        }

        /**
         * One wave of checkouts: each buyer's final outcome, every answer (a buyer told 503 with Retry-After sends again
         * after it), speed, CPU and how its refusals were answered.
         */
        record Wave(Map<String, Long> outcomes, long attempts, long retriedAfter503, double seconds, Report.Latency latencyMs, long refusalsFromMemory,
                    long refusalsWithoutStatement, Report.CpuShares cpu, double serverCpuMsPerAttempt,
                    double jvmCpuMsPerAttempt, double postgresCpuMsPerAttempt, double commitsPerAttempt) {
        }

        /** The {@code buyers} (indexes into {@code carts}) check out at once, each on its own connection. */
        private static Wave wave(Context context, List<String> customers, String[] carts, List<Integer> buyers,
                                 String[] outcomeOf) {
            Api api = context.api();
            Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
            LongAdder attempts = new LongAdder();
            LongAdder retried = new LongAdder();
            Histogram latencyMicros = new ConcurrentHistogram(3);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i : buyers) {
                String customer = customers.get(i % customers.size());
                String cart = carts[i];
                threads.add(Thread.ofVirtual().start(() -> {
                    HttpRequest checkout = HttpRequest.newBuilder(api.base().resolve("/v1/orders"))
                            .header("Authorization", "Bearer " + customer).header("Content-Type", "application/json")
                            .header("Idempotency-Key", UUID.randomUUID().toString()).timeout(Duration.ofMinutes(2))
                            .POST(HttpRequest.BodyPublishers.ofString(checkoutBody(cart))).build();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    String outcome;
                    while (true) {
                        long sent = System.nanoTime();
                        Optional<String> retryAfter = Optional.empty();
                        try {
                            HttpResponse<String> response = api.exchange(checkout);
                            outcome = response.statusCode() == 201 ? "201 order"
                                    : response.statusCode() + " " + read(response.body()).path("code").asText("?");
                            retryAfter = response.statusCode() == 503
                                    ? response.headers().firstValue("Retry-After") : Optional.empty();
                        } catch (RuntimeException e) {
                            outcome = "I/O " + e.getClass().getSimpleName();
                        }
                        latencyMicros.recordValue(Math.max(1, (System.nanoTime() - sent) / 1_000));
                        attempts.increment();
                        if (retryAfter.isEmpty()) {
                            break;
                        }
                        // A shopper's app told "busy, retry after N s" does so, with the same key: the server shed
                        // the request, it did not decide it (decision 77).
                        retried.increment();
                        try {
                            Thread.sleep(Duration.ofSeconds(Long.parseLong(retryAfter.get())));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                    outcomes.computeIfAbsent(outcome, key -> new LongAdder()).increment();
                    outcomeOf[i] = outcome;
                }));
            }
            long fromMemoryBefore = counter(context, "inventory_sold_out_refusals_from_memory_total");
            long withoutStatementBefore = counter(context, "orders_sold_out_refusals_before_key_total");
            long commitsBefore = commits(context);
            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            long started = System.nanoTime();
            go.countDown();
            LoadGenerator.joinAll(threads);
            double seconds = (System.nanoTime() - started) / 1e9;
            double serverSeconds = cpu.serverSeconds();
            double jvmSeconds = cpu.jvmSeconds();
            long commits = commits(context) - commitsBefore;
            Report.CpuShares shares = cpu.stop();
            Map<String, Long> byOutcome = new TreeMap<>();
            outcomes.forEach((outcome, count) -> byOutcome.put(outcome, count.sum()));
            return new Wave(byOutcome, attempts.sum(), retried.sum(), Report.round(seconds),
                    Report.Latency.of(latencyMicros),
                    counter(context, "inventory_sold_out_refusals_from_memory_total") - fromMemoryBefore,
                    counter(context, "orders_sold_out_refusals_before_key_total") - withoutStatementBefore, shares,
                    Report.round(serverSeconds * 1_000 / Math.max(1, attempts.sum())),
                    Report.round(jvmSeconds * 1_000 / Math.max(1, attempts.sum())),
                    Report.round((serverSeconds - jvmSeconds) * 1_000 / Math.max(1, attempts.sum())),
                    Report.round(commits / (double) Math.max(1, attempts.sum())));
        }

        /**
         * Transactions PostgreSQL committed in the server's database so far (the counters lag by up to a second: read
         * after the wave, they may miss its last commits).
         */
        private static long commits(Context context) {
            try (java.sql.Connection db = java.sql.DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 java.sql.ResultSet row = db.createStatement().executeQuery(
                         "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
                row.next();
                return row.getLong(1);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A counter of the server's (decisions 70 and 79); -1 if unreadable. */
        private static long counter(Context context, String name) {
            HttpResponse<String> metrics = context.api().exchange(HttpRequest.newBuilder(
                            context.base().resolve("/observe/metrics"))
                    .header("Authorization", "Bearer " + context.operatorToken())
                    .header("Accept", "text/plain").GET().build());
            return metrics.body().lines().filter(line -> line.startsWith(name))
                    .map(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst().orElse(-1L);
        }
    }

    /**
     * Issue 16's check, self-contained: checkouts alone over carts written by SQL (as in {@link Checkout}), plain ones
     * and ones naming a platform coupon (5 %, with a use limit, so its uses are counted on stripes) and redeeming 100
     * points, each a closed loop at {@value #CONNECTIONS} connections. Both kinds are warmed first (a warm-up phase of
     * each), then measured in {@value #ROUNDS} alternating rounds of each kind, the kind that goes first alternating
     * too, and summed: neither pays for the JVM's compiling, for the other's lagging background work or for a drift of
     * the machine's load more than the other (decision 74; before it the plain phase always ran first and paid for the
     * warm-up). The cost ratio is plain throughput / discounted throughput (at most 1.2: at most 20 % more), with the
     * server's CPU (JVM and PostgreSQL) per checkout of each kind and their ratio beside it.
     *
     * <p>{@value #CONNECTIONS} connections are the server's checkout concurrency ({@code orders.checkout.concurrency}):
     * at 32, three in four requests wait in its admission queue, and those that wait longer than its 0.5 s are
     * answered 503 (shed, not failed) — which the slower discounted kind hits first, so the check measured the
     * queue's limit instead of the checkouts' cost. The carts' customers follow each other (cart i is customer
     * i mod 50), so with 8 in flight no two checkouts of one customer run at once: they would queue on the
     * customer's points lots by design (decision 35), which a shopper checking out one cart at a time never does.
     */
    static final class DiscountedCheckout implements Scenario {
        private static final int CONNECTIONS = 8;
        private static final int ROUNDS = 5;
        private static final long POINTS_PER_CHECKOUT = 100;

        @Override
        public String name() {
            return "checkout-discounted";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            List<String> customers = customerTokens(context);
            List<List<Sku>> merchants = new ArrayList<>(skus(context, 0, 60, 20).values());
            setStock(context, merchants.stream().flatMap(List::stream).toList(), 1_000_000);
            Api api = context.api();
            String code = "BENCH5-" + Long.toString(System.currentTimeMillis(), 36).toUpperCase(Locale.ROOT);
            var coupon = JSON.createObjectNode().put("code", code).put("name", "bench 5 %").put("kind", "percentage")
                    .put("percentageBasisPoints", 500).put("currency", "JPY").put("maxUses", 100_000_000)
                    .put("startsAt", java.time.OffsetDateTime.now().minusMinutes(1).toString())
                    .put("endsAt", java.time.OffsetDateTime.now().plusDays(1).toString());
            api.post(context.operatorToken(), "/v1/promotions/coupons", coupon.toString(), 201);
            int perKind = (int) (CLOSED_LOOP_CART_RATE
                    * (context.timing().warmUp().toSeconds() + context.timing().measured().toSeconds()));
            List<PreparedCart> plainCarts = sqlCarts(context, customers, merchants, perKind);
            List<PreparedCart> discountedCarts = sqlCarts(context, customers, merchants, perKind);
            givePoints(context, discountedCarts, POINTS_PER_CHECKOUT * perKind / customers.size() + 1_000);
            Kind plain = new Kind("plain", context.base(), plainCarts.stream().map(cart -> HttpConnection.post(context.base(),
                    "/v1/orders", customers.get(cart.customer()), checkoutBody(cart.id().toString()))).toList());
            Kind discounted = new Kind("discounted", context.base(), discountedCarts.stream().map(cart -> HttpConnection.post(
                    context.base(), "/v1/orders", customers.get(cart.customer()), "{\"cartId\":\"" + cart.id()
                            + "\",\"shippingAddress\":" + ADDRESS + ",\"couponCodes\":[\"" + code
                            + "\"],\"redeemPoints\":" + POINTS_PER_CHECKOUT + "}")).toList());

            Report.Load plainWarmUp = plain.warmUp(context);
            Report.Load discountedWarmUp = discounted.warmUp(context);
            double loadBefore = Machine.loadAverage();
            Duration round = context.timing().measured().dividedBy(ROUNDS);
            for (int i = 0; i < ROUNDS; i++) {
                Kind first = i % 2 == 0 ? plain : discounted;
                first.measure(context, round);
                (first == plain ? discounted : plain).measure(context, round);
            }
            double loadAfter = Machine.loadAverage();

            double ratio = plain.throughput() / discounted.throughput();
            double cpuRatio = discounted.cpuMsPerCheckout() / plain.cpuMsPerCheckout();
            boolean clean = plainWarmUp.errors() + discountedWarmUp.errors() == 0 && plain.errors() == 0
                    && discounted.errors() == 0;
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("connections", CONNECTIONS);
            figures.put("rounds", ROUNDS);
            figures.put("roundSeconds", round.toMillis() / 1000.0);
            figures.put("plainWarmUp", plainWarmUp);
            figures.put("discountedWarmUp", discountedWarmUp);
            figures.put("plain", plain.figures());
            figures.put("discounted", discounted.figures());
            figures.put("costRatio", Report.round(ratio));
            figures.put("serverCpuRatio", Report.round(cpuRatio));
            figures.put("loadAverage1m", Map.of("beforeRounds", loadBefore, "afterRounds", loadAfter));
            return new Report.Scenario(name(), "measured",
                    "checkouts alone, closed loop at 8 connections: both kinds warmed, then " + ROUNDS + " alternating "
                    + "rounds of each (plain; with a 5 % platform coupon and 100 points), summed; cost ratio = plain "
                    + "/ discounted throughput", figures, List.of(
                    new Report.Check("≤ 20 % more cost than a plain checkout", String.format(Locale.ROOT,
                            "cost ratio %.2f (plain %.0f checkouts/s, discounted %.0f/s); server CPU per checkout "
                            + "%s against %s, ratio %.2f; errors: plain %s, discounted %s; load %.1f → %.1f",
                            ratio, plain.throughput(), discounted.throughput(), discounted.describeCpu(),
                            plain.describeCpu(), cpuRatio, plain.describeErrors(), discounted.describeErrors(),
                            loadBefore, loadAfter),
                            clean ? ratio <= 1.2 : null)));
        }

        /** One kind of checkout: its prepared requests (each cart once) and what its measured rounds added up to. */
        private static final class Kind {
            private final String name;
            private final URI base;
            private final List<byte[]> checkouts;
            private final AtomicInteger next = new AtomicInteger();
            private final List<Double> roundThroughputs = new ArrayList<>();
            private final Map<Integer, Long> httpErrorsByStatus = new TreeMap<>();
            private long ok;
            private long answered;
            private long ioErrors;
            private double seconds;
            private double serverCpuSeconds;
            private double jvmCpuSeconds;

            Kind(String name, URI base, List<byte[]> checkouts) {
                this.name = name;
                this.base = base;
                this.checkouts = checkouts;
            }

            Report.Load warmUp(Context context) {
                return load(context.timing().warmUp());
            }

            void measure(Context context, Duration round) {
                Machine.CpuMeter meter = new Machine.CpuMeter(context);
                Report.Load load = load(round);
                jvmCpuSeconds += meter.jvmSeconds();
                serverCpuSeconds += meter.serverSeconds();
                ok += load.ok();
                answered += load.ok() + load.httpErrors();
                ioErrors += load.ioErrors();
                load.httpErrorsByStatus().forEach((status, count) -> httpErrorsByStatus.merge(status, count, Long::sum));
                seconds += load.seconds();
                roundThroughputs.add(load.throughput());
            }

            private Report.Load load(Duration duration) {
                return new LoadGenerator(base, CONNECTIONS).asFastAsPossible(
                        Duration.ZERO, duration, random -> {
                            int taken = next.getAndIncrement();
                            if (taken >= checkouts.size()) {
                                throw new IllegalStateException("out of prepared " + name + " carts");
                            }
                            return checkouts.get(taken);
                        });
            }

            double throughput() {
                return ok / seconds;
            }

            double cpuMsPerCheckout() {
                return answered == 0 ? Double.NaN : serverCpuSeconds * 1_000 / answered;
            }

            /** The server JVM's part of {@link #cpuMsPerCheckout}; the rest is PostgreSQL's. */
            double jvmMsPerCheckout() {
                return answered == 0 ? Double.NaN : jvmCpuSeconds * 1_000 / answered;
            }

            String describeCpu() {
                return String.format(Locale.ROOT, "%.2f ms (JVM %.2f, PostgreSQL %.2f)", cpuMsPerCheckout(),
                        jvmMsPerCheckout(), cpuMsPerCheckout() - jvmMsPerCheckout());
            }

            long errors() {
                return ioErrors + httpErrorsByStatus.values().stream().mapToLong(Long::longValue).sum();
            }

            String describeErrors() {
                return errors() == 0 ? "none" : errors() + " (HTTP " + httpErrorsByStatus + ", I/O " + ioErrors + ")";
            }

            Map<String, Object> figures() {
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("checkouts", ok);
                figures.put("seconds", Report.round(seconds));
                figures.put("throughput", Report.round(throughput()));
                figures.put("roundThroughputs", roundThroughputs);
                figures.put("httpErrorsByStatus", httpErrorsByStatus);
                figures.put("ioErrors", ioErrors);
                figures.put("serverCpuSeconds", Report.round(serverCpuSeconds));
                figures.put("serverCpuMsPerCheckout", Report.round(cpuMsPerCheckout()));
                // The server's CPU split: its JVM's and PostgreSQL's (the rest), per checkout.
                figures.put("jvmCpuMsPerCheckout", Report.round(jvmMsPerCheckout()));
                figures.put("postgresCpuMsPerCheckout", Report.round(cpuMsPerCheckout() - jvmMsPerCheckout()));
                return figures;
            }
        }

        /** Enough points for every discounted checkout, given by the operator to each customer of the carts. */
        private static void givePoints(Context context, List<PreparedCart> carts, long each) throws Exception {
            List<UUID> customers = new ArrayList<>();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 PreparedStatement owners = db.prepareStatement(
                         "SELECT DISTINCT customer_id FROM cart WHERE id = ANY(?::uuid[])")) {
                owners.setArray(1, db.createArrayOf("uuid", carts.stream().map(PreparedCart::id).toArray()));
                try (ResultSet rows = owners.executeQuery()) {
                    while (rows.next()) {
                        customers.add(rows.getObject(1, UUID.class));
                    }
                }
            }
            for (UUID customer : customers) {
                context.api().post(context.operatorToken(), "/v1/points/adjustments", JSON.createObjectNode()
                        .put("customerId", customer.toString()).put("points", each)
                        .put("reason", "bench").toString(), 201);
            }
        }
    }
}
