package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** What a storefront's back end sends: listings by id and search pages, with a storefront client's token. */
final class StorefrontScenarios {

    private StorefrontScenarios() {
    }

    /** The closed-loop concurrency for the maximum: enough to keep both cores busy without drowning them. */
    private static final int MAX_THROUGHPUT_CONNECTIONS = 32;
    /** Open loop: enough connections that none is the bottleneck at the rate; queueing shows as latency. */
    private static final int OPEN_LOOP_CONNECTIONS = 128;

    /** A new storefront client's token (catalog:read), as a storefront's requests carry. */
    static String storefrontToken(Scenario.Context context) {
        String operatorToken = context.operatorToken();
        Api.Credentials storefront = context.api().createStorefrontClient(operatorToken,
                "bench storefront " + UUID.randomUUID(), List.of("catalog:read"));
        return context.api().token(storefront);
    }

    /** Ids of published products: the first pages by newest and by price, as a storefront would have linked them. */
    private static List<String> productIds(Scenario.Context context, String token) {
        List<String> ids = new ArrayList<>();
        for (String sort : List.of("sort=newest", "sort=price_asc&currency=JPY", "sort=price_desc&currency=JPY")) {
            String cursor = null;
            for (int page = 0; page < 5; page++) {
                JsonNode listings = context.api().get(token, "/v1/listings?limit=200&" + sort
                        + (cursor == null ? "" : "&cursor=" + Api.encode(cursor)));
                listings.get("items").forEach(item -> ids.add(item.get("productId").asText()));
                cursor = listings.path("nextCursor").asText(null);
                if (cursor == null) {
                    break;
                }
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalStateException("no listings: is the demo data there?");
        }
        return ids;
    }

    static final class ProductById implements Scenario {
        @Override
        public String name() {
            return "product-by-id";
        }

        @Override
        public Report.Scenario run(Context context) {
            String token = storefrontToken(context);
            byte[][] requests = productIds(context, token).stream()
                    .map(id -> HttpConnection.get(context.base(), "/v1/listings/" + id, token)).toArray(byte[][]::new);
            LoadGenerator.Requests anyProduct = random -> requests[random.nextInt(requests.length)];

            Machine.CpuMeter maxCpu = new Machine.CpuMeter(context);
            Report.Load max = new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                    .asFastAsPossible(context.timing().warmUp(), context.timing().measured(), anyProduct);
            Report.CpuShares maxShares = maxCpu.stop();
            Machine.CpuMeter rateCpu = new Machine.CpuMeter(context);
            Report.Load atRate = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS)
                    .atRate(5_000, context.timing().warmUp(), context.timing().measured(), anyProduct);
            Report.CpuShares rateShares = rateCpu.stop();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("products", requests.length);
            figures.put("maxClosedLoop", max);
            figures.put("maxClosedLoopCpu", maxShares);
            figures.put("openLoop5000", atRate);
            figures.put("openLoop5000Cpu", rateShares);
            figures.put("serverRssMiB", Report.round(Machine.residentMiB(context.serverPid(), false)));
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("≥ 10,000 req/s max", String.format(Locale.ROOT, "%.0f req/s (%d errors)",
                            max.throughput(), max.errors()), max.throughput() >= 10_000 && max.errors() == 0),
                    new Report.Check("p99 < 20 ms at 5,000 req/s", atRate.describeP99(), atRate.p99Below(20))));
        }
    }

    static final class SearchPage implements Scenario {
        /** Demo titles are made of these words (server demo Vocabulary): Japanese, Chinese and English. */
        private static final List<String> QUERIES = List.of("緑茶", "抹茶", "味噌", "ティーバッグ", "有机", "绿茶",
                "咖啡", "巧克力", "green tea", "organic", "matcha", "chocolate", "rice crackers", "teapot");

        @Override
        public String name() {
            return "search-page";
        }

        @Override
        public Report.Scenario run(Context context) {
            String token = storefrontToken(context);
            List<String> categories = new ArrayList<>();
            context.api().get(token, "/v1/categories?limit=200").get("items")
                    .forEach(category -> categories.add(category.get("id").asText()));
            // Every query alone, with a category, with a price range, and sorted by price: the filters storefronts use.
            List<byte[]> requests = new ArrayList<>();
            for (String q : QUERIES) {
                String text = "/v1/listings?limit=20&q=" + Api.encode(q);
                requests.add(HttpConnection.get(context.base(), text, token));
                for (String category : categories) {
                    requests.add(HttpConnection.get(context.base(), text + "&categoryId=" + category, token));
                }
                requests.add(HttpConnection.get(context.base(), text + "&currency=JPY&minPrice=1000&maxPrice=5000", token));
                requests.add(HttpConnection.get(context.base(), text + "&currency=JPY&sort=price_asc", token));
            }
            byte[][] prepared = requests.toArray(byte[][]::new);
            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            Report.Load atRate = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS)
                    .atRate(1_000, context.timing().warmUp(), context.timing().measured(),
                            random -> prepared[random.nextInt(prepared.length)]);
            Report.CpuShares shares = cpu.stop();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("distinctRequests", prepared.length);
            figures.put("exampleRequest", new String(prepared[1], StandardCharsets.UTF_8).lines().findFirst().orElse(""));
            figures.put("openLoop1000", atRate);
            figures.put("openLoop1000Cpu", shares);
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("p99 < 50 ms at 1,000 req/s", atRate.describeP99(), atRate.p99Below(50))));
        }
    }
}
