package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What an ERP sends: bulk stock updates, and the catch-up read of the product change feed. */
final class IntegrationScenarios {

    private IntegrationScenarios() {
    }

    /** 100,000 stock levels set absolutely, in requests of 10,000 (the API's largest), one after the other. */
    static final class BulkStockUpdate implements Scenario {
        private static final int SKUS = 100_000;
        private static final int PER_REQUEST = 10_000;

        @Override
        public String name() {
            return "bulk-stock-update";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            // The ERP knows its SKUs, and its counts include the units reserved for orders it has not shipped yet;
            // reading 100,000 levels through the API would only slow the set-up down.
            List<String[]> levels = new ArrayList<>();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT variant_id, location_id, reserved FROM stock_level"
                         + " ORDER BY merchant_id, variant_id, location_id LIMIT " + SKUS)) {
                while (rows.next()) {
                    levels.add(new String[] {rows.getString(1), rows.getString(2), rows.getString(3)});
                }
            }
            if (levels.size() < SKUS) {
                throw new IllegalStateException(levels.size() + " stock levels: this scenario updates the demo "
                        + "marketplace's, run it without BENCH_DEMO_DATA=false");
            }
            ObjectMapper json = new ObjectMapper();
            // Newer than any earlier update, so every item applies. It was milliseconds, while the scenarios run before
            // it count in milliseconds × 1,000: the levels they had set were ignored as stale (80 of 100,000).
            long sequence = OrderScenarios.newestSourceSequence();
            List<String> bodies = new ArrayList<>();
            for (int from = 0; from < levels.size(); from += PER_REQUEST) {
                ObjectNode body = json.createObjectNode();
                ArrayNode items = body.putArray("items");
                for (String[] level : levels.subList(from, Math.min(levels.size(), from + PER_REQUEST))) {
                    items.addObject().put("variantId", level[0]).put("locationId", level[1])
                            .put("setOnHand", Math.max(Long.parseLong(level[2]), 50 + (level[0].hashCode() & 0xff)))
                            .put("sourceSequence", sequence);
                }
                bodies.add(body.toString());
            }
            String token = context.api().token(context.api().createClient(context.operatorToken(),
                    "bench ERP", "operator", null, List.of("inventory:write")));

            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            long started = System.nanoTime();
            List<Double> requestSeconds = new ArrayList<>();
            long applied = 0;
            long notApplied = 0;
            Map<String, Long> notAppliedByOutcome = new TreeMap<>();
            for (String body : bodies) {
                long requestStarted = System.nanoTime();
                JsonNode results = context.api().post(token, "/v1/stock/updates", body, 200).get("results");
                requestSeconds.add(Report.round((System.nanoTime() - requestStarted) / 1e9));
                for (JsonNode result : results) {
                    if ("applied".equals(result.get("outcome").asText())) {
                        applied++;
                    } else {
                        notApplied++;
                        notAppliedByOutcome.merge(result.get("outcome").asText() + " "
                                + result.path("code").asText(""), 1L, Long::sum);
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Report.CpuShares shares = cpu.stop();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("skus", levels.size());
            figures.put("requests", bodies.size());
            figures.put("seconds", Report.round(seconds));
            figures.put("skusPerSecond", Math.round(applied / seconds));
            figures.put("requestSeconds", requestSeconds);
            figures.put("applied", applied);
            figures.put("notApplied", notApplied);
            figures.put("notAppliedByOutcome", notAppliedByOutcome);
            figures.put("cpu", shares);
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("100,000 SKUs applied in < 5 s", String.format(Locale.ROOT,
                            "%d applied in %.2f s (%d not applied: %s)", applied, seconds, notApplied,
                            notAppliedByOutcome),
                            applied == SKUS && seconds < 5)));
        }
    }

    /**
     * An integrator that mirrors the whole catalogue reads the product feed from the start until caught up.
     * The demo data writes one change per product; the feed is topped up to a million changes first by appending
     * what edits of every product write (the same rows the triggers insert), which takes seconds where a million
     * API edits would take the whole benchmark's time.
     */
    static final class ChangeFeedCatchUp implements Scenario {
        private static final long CHANGES = 1_000_000;
        /** The page size the API documents for catching up (FeedLimit in the OpenAPI document): the largest. */
        private static final int PAGE = 1000;
        /** A feed far slower than the target is not read to its end: the rate so far tells enough. */
        private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(120);

        @Override
        public String name() {
            return "change-feed-catch-up";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            long topUpStarted = System.nanoTime();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement()) {
                long present;
                try (ResultSet count = statement.executeQuery("SELECT count(*) FROM change_log WHERE feed = 'products'")) {
                    count.next();
                    present = count.getLong(1);
                }
                try (ResultSet products = statement.executeQuery("SELECT count(*) FROM product")) {
                    products.next();
                    if (products.getLong(1) == 0) {
                        throw new IllegalStateException("no products: this scenario reads changes of the demo "
                                + "marketplace's, run it without BENCH_DEMO_DATA=false");
                    }
                }
                long missing = CHANGES - present;
                if (missing > 0) {
                    statement.execute("INSERT INTO change_log (feed, merchant_id, entity_id, kind)"
                            + " SELECT 'products', p.merchant_id, p.id, 'upserted'"
                            + " FROM generate_series(1, " + missing + ") AS n"
                            + " JOIN (SELECT id, merchant_id, row_number() OVER (ORDER BY id) - 1 AS i FROM product) p"
                            + " ON p.i = n % (SELECT count(*) FROM product)");
                }
                statement.execute("SELECT settle_changes()");
                statement.execute("ANALYZE change_log");
            }
            double topUpSeconds = (System.nanoTime() - topUpStarted) / 1e9;

            String token = context.api().token(context.api().createClient(context.operatorToken(),
                    "bench catalogue mirror", "operator", null, List.of("catalog:write")));
            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            long started = System.nanoTime();
            long deadline = started + GIVE_UP_AFTER.toNanos();
            long read = 0;
            long pages = 0;
            String cursor = null;
            boolean caughtUp = false;
            while (System.nanoTime() < deadline) {
                JsonNode page = context.api().get(token, "/v1/products/changes?limit=" + PAGE
                        + (cursor == null ? "" : "&cursor=" + Api.encode(cursor)));
                int items = page.get("items").size();
                read += items;
                pages++;
                cursor = page.get("nextCursor").asText();
                if (items < PAGE) {
                    caughtUp = true;
                    break;
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Report.CpuShares shares = cpu.stop();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("topUpSeconds", Report.round(topUpSeconds));
            figures.put("changesRead", read);
            figures.put("pages", pages);
            figures.put("pageSize", PAGE);
            figures.put("seconds", Report.round(seconds));
            figures.put("changesPerSecond", Math.round(read / seconds));
            figures.put("caughtUp", caughtUp);
            figures.put("cpu", shares);
            String measured = caughtUp
                    ? String.format(Locale.ROOT, "%d read in %.1f s", read, seconds)
                    : String.format(Locale.ROOT, "gave up after %.0f s: %d read (%.0f/s, 1,000,000 would take %.0f s)",
                            seconds, read, read / seconds, CHANGES / (read / seconds));
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("1,000,000 changes read in < 30 s", measured,
                            caughtUp && read >= CHANGES && seconds < 30)));
        }
    }
}
