package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Drop-shipping (issue 18, decision 39) against the built-in simulated supplier, which the benchmark's server
 * configures with {@value #PRODUCTS} products of {@value #VARIANTS_PER_PRODUCT} variants each: a merchant imports the
 * whole catalog (10,000 products, 100,000 variants) with submission for review, then the first stock sync of the
 * connection reads and writes all 100,000 variants' stock. Both through the API, end to end, one request each.
 */
final class DropshipScenarios {

    static final int PRODUCTS = 10_000;
    static final int VARIANTS_PER_PRODUCT = 10;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private DropshipScenarios() {
    }

    /** The server configuration these scenarios need (appended to the benchmark's YAML file). */
    static String serverConfig() {
        return "dropship:\n  simulated:\n    products: " + PRODUCTS + "\n    variants-per-product: " + VARIANTS_PER_PRODUCT
                + "\n  jobs:\n    sweep: PT1H\n"; // the scenario's own sync is the one measured, not the schedule's
    }

    /** The merchant and connection the import made, for the sync after it. */
    private static volatile Imported imported;

    private record Imported(String merchantToken, String connectionId) {
    }

    /** The 10,000-product import (target < 60 s), one request. */
    static final class Import implements Scenario {

        @Override
        public String name() {
            return "dropship-import";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            String operator = context.operatorToken();
            String category = context.api().post(operator, "/v1/categories",
                    "{\"name\": \"Drop-shipped goods\", \"commissionRateBasisPoints\": 1000}", 201).get("id").asText();
            String merchantToken = activeMerchant(context, operator, category);
            String connection = context.api().post(merchantToken, "/v1/dropship/connections", """
                    {"name": "Simulated supplier", "kind": "simulated", "currency": "JPY",
                     "pricing": {"markupBasisPoints": 15000, "fixedAmount": 100, "priceEnding": 80, "priceEndingModulus": 100,
                                 "minMarginBasisPoints": 2000},
                     "buffer": {"units": 1, "percent": 10}, "forwarding": "automatic",
                     "defaultCategoryId": "%s"}""".formatted(category), 201).get("id").asText();

            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            long started = System.nanoTime();
            JsonNode result = post(context, merchantToken, "/v1/dropship/connections/" + connection + "/imports",
                    "{\"afterImport\": \"submit_for_review\"}");
            double seconds = (System.nanoTime() - started) / 1e9;
            Report.CpuShares shares = cpu.stop();
            imported = new Imported(merchantToken, connection);

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("products", result.get("read").asInt());
            figures.put("variants", result.get("read").asInt() * VARIANTS_PER_PRODUCT);
            figures.put("created", result.get("created").asInt());
            figures.put("rejected", result.get("rejected").asInt());
            figures.put("seconds", Report.round(seconds));
            figures.put("productsPerSecond", Report.round(result.get("created").asInt() / seconds));
            figures.put("cpu", shares);
            boolean complete = result.get("created").asInt() == PRODUCTS && result.get("rejected").asInt() == 0;
            return new Report.Scenario(name(), "measured", "simulated supplier, " + VARIANTS_PER_PRODUCT
                    + " variants per product, submitted for review", figures, List.of(new Report.Check(
                    "import of 10,000 products in < 60 s", String.format(Locale.ROOT, "%.1f s, %d created",
                    seconds, result.get("created").asInt()), complete && seconds < 60)));
        }
    }

    /** The first stock sync after the import: 100,000 variants read, all changed and written (target < 10 s). */
    static final class StockSync implements Scenario {

        @Override
        public String name() {
            return "dropship-stock-sync";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            Imported done = imported;
            if (done == null) {
                throw new IllegalStateException("runs after dropship-import (BENCH_ONLY=dropship-import,dropship-stock-sync)");
            }
            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            long started = System.nanoTime();
            JsonNode run = post(context, done.merchantToken(), "/v1/dropship/connections/" + done.connectionId() + "/syncs",
                    "{}");
            double seconds = (System.nanoTime() - started) / 1e9;
            Report.CpuShares shares = cpu.stop();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("outcome", run.get("outcome").asText());
            figures.put("items", run.get("items").asInt());
            figures.put("changes", run.get("changes").asInt());
            figures.put("failures", run.get("failures").asInt());
            figures.put("serverMillis", run.get("durationMillis").asLong());
            figures.put("seconds", Report.round(seconds));
            figures.put("cpu", shares);
            int variants = PRODUCTS * VARIANTS_PER_PRODUCT;
            boolean complete = run.get("items").asInt() == variants && run.get("changes").asInt() == variants;
            return new Report.Scenario(name(), "measured", "first (full) sync after the import", figures, List.of(
                    new Report.Check("stock sync of 100,000 variants in < 10 s", String.format(Locale.ROOT,
                            "%.1f s, %d items, %d changes", seconds, run.get("items").asInt(), run.get("changes").asInt()),
                            complete && seconds < 10)));
        }
    }

    /** Applies for a merchant as the operator, approves it, and signs in with the issued client. */
    private static String activeMerchant(Scenario.Context context, String operator, String category) {
        JsonNode applied = context.api().post(operator, "/v1/merchants", """
                {"legalName": "Bench Drop-ship KK %s",
                 "contact": {"name": "Yamada Hanako", "email": "dropship@example.jp", "phone": "+81 75-123-4567"},
                 "address": {"country": "JP", "postalCode": "600-8001", "region": "Kyoto", "locality": "Shimogyo-ku",
                             "line1": "1-2-3 Shijo-dori"},
                 "yearsInBusiness": 12, "categoryId": "%s", "plan": "standard",
                 "deposit": {"amount": 500000, "currency": "JPY"}}""".formatted(UUID.randomUUID(), category), 201);
        JsonNode approved = context.api().post(operator, "/v1/merchants/" + applied.get("id").asText() + "/approve",
                "{\"version\": " + applied.get("version").asLong() + "}", 200);
        JsonNode credentials = approved.get("credentials");
        return context.api().token(new Api.Credentials(credentials.get("client").get("clientId").asText(),
                credentials.get("clientSecret").asText()));
    }

    /** A POST that may take minutes (the API helper's timeout is two). */
    private static JsonNode post(Scenario.Context context, String token, String path, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(context.base().resolve(path))
                .header("Authorization", "Bearer " + token).header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(15))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": "
                    + response.body().substring(0, Math.min(2000, response.body().length())));
        }
        return JSON.readTree(response.body());
    }
}
