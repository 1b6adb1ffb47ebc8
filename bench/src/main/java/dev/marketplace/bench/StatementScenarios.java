package dev.marketplace.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** Settlement (decision 32): what a merchant's ERP downloads at the end of a month. */
final class StatementScenarios {

    private StatementScenarios() {
    }

    /**
     * A statement of 100,000 lines streamed as CSV ({@code Accept: text/csv}), time to its last byte, three times. The
     * lines are written by SQL as the posting subscriber writes them (a transaction, its two entries and its
     * reference per released sub-order, balanced and checked by the ledger's triggers), which takes seconds where
     * 100,000 orders through the API would take the benchmark's whole time.
     */
    static final class StatementCsv implements Scenario {
        private static final int LINES = 100_000;
        private static final int RUNS = 3;
        private static final HttpClient HTTP = HttpClient.newHttpClient();

        @Override
        public String name() {
            return "statement-csv";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            UUID merchant = UUID.randomUUID();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement sql = db.createStatement()) {
                db.setAutoCommit(false);
                sql.execute("INSERT INTO ledger_account (name, currency, merchant_id) VALUES ('merchant_payable:" + merchant
                        + "', 'JPY', '" + merchant + "'), ('escrow', 'JPY', NULL) ON CONFLICT DO NOTHING");
                sql.execute("""
                        WITH tx AS (
                            INSERT INTO ledger_transaction (event_id, event_type, event_position, order_id, sub_order_id, merchant_id)
                            SELECT gen_random_uuid(), 'escrow_released', 0, gen_random_uuid(), gen_random_uuid(), '%1$s'
                            FROM generate_series(1, %2$d)
                            RETURNING id, event_id, sub_order_id),
                        entries AS (
                            INSERT INTO ledger_entry (transaction_id, account_id, currency, amount)
                            SELECT tx.id, a.id, 'JPY', CASE WHEN a.name = 'escrow' THEN 1234 ELSE -1234 END
                            FROM tx CROSS JOIN ledger_account a
                            WHERE a.currency = 'JPY' AND a.name IN ('escrow', 'merchant_payable:%1$s'))
                        INSERT INTO ledger_reference (event_id, reference)
                        SELECT event_id, 'escrow_released:' || sub_order_id FROM tx""".formatted(merchant, LINES));
                db.commit();
            }
            String token = context.operatorToken();
            String path = "/v1/statements/" + YearMonth.now(ZoneOffset.UTC) + "?currency=JPY&merchantId=" + merchant;
            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            List<Double> seconds = new ArrayList<>();
            long rows = 0;
            long bytes = 0;
            for (int run = 0; run < RUNS; run++) {
                long started = System.nanoTime();
                HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(context.base().resolve(path))
                        .header("Authorization", "Bearer " + token).header("Accept", "text/csv")
                        .timeout(Duration.ofMinutes(2)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                seconds.add(Report.round((System.nanoTime() - started) / 1e9));
                if (response.statusCode() != 200) {
                    throw new IllegalStateException(path + " answered " + response.statusCode());
                }
                bytes = response.body().length;
                rows = new String(response.body(), StandardCharsets.UTF_8).lines().count();
            }
            Report.CpuShares shares = cpu.stop();
            double slowest = seconds.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("lines", LINES);
            figures.put("csvRows", rows);
            figures.put("bytes", bytes);
            figures.put("seconds", seconds);
            figures.put("cpu", shares);
            boolean complete = rows == LINES + 3; // header, opening and closing balance rows
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("100,000-line statement as CSV in < 3 s", String.format(Locale.ROOT,
                            "slowest of %d: %.2f s, %d rows", RUNS, slowest, rows), complete && slowest < 3)));
        }
    }
}
