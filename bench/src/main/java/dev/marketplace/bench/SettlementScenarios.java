package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settlement ledger (issue 14, decisions 29 and 31): how fast its subscriber posts money movements, and how long
 * the reconciliation takes over a million entries. The movements and the extra entries are written by SQL (what the
 * orders domain would record for thousands of orders takes the API minutes), never inside a measured interval.
 */
final class SettlementScenarios {

    private static final String SUBSCRIBER = "settlement.ledger-posting";

    private SettlementScenarios() {
    }

    private static long count(Statement statement, String sql) throws Exception {
        try (ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    /**
     * The same run's baseline for the posting figure: {@code SELECT 1} round trips per second over JDBC for two
     * seconds, just before posting (what the database answers one client at the machine's current load).
     */
    private static long roundTripsPerSecond(Connection db) throws Exception {
        try (PreparedStatement ping = db.prepareStatement("SELECT 1")) {
            long started = System.nanoTime();
            long until = started + Duration.ofSeconds(2).toNanos();
            long trips = 0;
            while (System.nanoTime() < until) {
                try (ResultSet result = ping.executeQuery()) {
                    result.next();
                }
                trips++;
            }
            return Math.round(trips / ((System.nanoTime() - started) / 1e9));
        }
    }

    /**
     * Orders paid and released as the orders domain records them — {@code payment_captured}, {@code
     * commission_accrued} (held), {@code escrow_released} (posting the release and the held commission): three
     * ledger transactions, six entries per order, over 50 merchants (30,000 orders; 3,000 in a quick run). They are appended and settled in one go, then
     * the server's own subscriber (one node, batches of {@code events.batch}, polling every {@code events.poll}) posts
     * them; entries/s counts from the moment they are settled to the moment its cursor passes the last one. The
     * sub-orders are not the orders domain's, so each commission is the recorded one (decision 31), one lookup.
     */
    static final class LedgerPostingThroughput implements Scenario {
        private static final int ORDERS = 30_000;
        private static final int QUICK_ORDERS = 3_000;
        private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(300);

        @Override
        public String name() {
            return "ledger-posting";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            int orders = context.timing().measured().getSeconds() < 30 ? QUICK_ORDERS : ORDERS;
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement()) {
                long entriesBefore = count(statement, "SELECT count(*) FROM ledger_entry");
                db.setAutoCommit(false);
                try (PreparedStatement append = db.prepareStatement("""
                        WITH orders AS (
                            SELECT n, gen_random_uuid() AS order_id, gen_random_uuid() AS sub_order_id,
                                   gen_random_uuid() AS customer_id,
                                   ('00000000-0000-4000-8000-' || lpad(to_hex(n % 50), 12, '0'))::uuid AS merchant_id,
                                   1000 + (n * 7919) % 200000 AS total
                            FROM generate_series(1, ?) AS n),
                        movements AS (
                            SELECT o.*, m.seq, m.type, m.amount, m.debited, m.credited
                            FROM orders o, LATERAL (VALUES
                                (1, 'payment_captured', o.total, 'customer_payments', 'escrow'),
                                (2, 'commission_accrued', o.total / 10, 'merchant_payable:' || o.merchant_id,
                                    'platform_commission_revenue'),
                                (3, 'escrow_released', o.total, 'escrow', 'merchant_payable:' || o.merchant_id))
                                AS m(seq, type, amount, debited, credited))
                        INSERT INTO domain_event (event_id, idempotency_id, type, order_id, sub_order_id, merchant_id,
                                                  customer_id, payload)
                        SELECT gen_random_uuid(), 'bench:' || type || ':' || sub_order_id, type, order_id,
                               CASE WHEN seq = 1 THEN NULL ELSE sub_order_id END,
                               CASE WHEN seq = 1 THEN NULL ELSE merchant_id END, customer_id,
                               jsonb_build_object('amount', jsonb_build_object('amount', amount, 'currency', 'JPY'),
                                   'legs', jsonb_build_array(
                                       jsonb_build_object('account', debited, 'amount', amount, 'currency', 'JPY'),
                                       jsonb_build_object('account', credited, 'amount', -amount, 'currency', 'JPY')))
                        FROM movements ORDER BY n, seq""")) {
                    append.setInt(1, orders);
                    append.executeUpdate();
                }
                db.commit();
                db.setAutoCommit(true);
                statement.execute("SELECT settle_changes()");
                long last = count(statement, "SELECT max(position) FROM domain_event");

                long roundTrips = roundTripsPerSecond(db);

                Machine.CpuMeter cpu = new Machine.CpuMeter(context);
                long started = System.nanoTime();
                long deadline = started + GIVE_UP_AFTER.toNanos();
                boolean caughtUp = false;
                while (System.nanoTime() < deadline) {
                    if (count(statement, "SELECT position FROM event_subscription WHERE name = '" + SUBSCRIBER + "'")
                            >= last) {
                        caughtUp = true;
                        break;
                    }
                    Thread.sleep(50); // polling the server's progress, not pacing it
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                Report.CpuShares shares = cpu.stop();
                long entries = count(statement, "SELECT count(*) FROM ledger_entry") - entriesBefore;
                long parked = count(statement, "SELECT count(*) FROM parked_event");

                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("orders", orders);
                figures.put("events", orders * 3L);
                figures.put("entriesPosted", entries);
                figures.put("seconds", Report.round(seconds));
                figures.put("entriesPerSecond", Math.round(entries / seconds));
                figures.put("caughtUp", caughtUp);
                figures.put("baselineRoundTripsPerSecond", roundTrips);
                figures.put("parkedEvents", parked);
                figures.put("cpu", shares);
                return new Report.Scenario(name(), "measured", null, figures, List.of(
                        new Report.Check("≥ 5,000 ledger entries/s posted by the subscriber",
                                String.format(Locale.ROOT, "%d entries in %.1f s: %.0f/s", entries, seconds,
                                        entries / seconds),
                                caughtUp && parked == 0 && entries == orders * 6L && entries / seconds >= 5_000)));
            }
        }
    }

    /**
     * The ledger topped up by SQL to 1,000,000 entries (100,000 in a quick run) (balanced two-entry transactions over 1,000 accounts, through
     * the same triggers that keep the running balances and check each transaction at commit), then {@code GET
     * /v1/ledger/reconciliation} as the operator: every balance against the sum of its entries, every transaction
     * against zero, in one snapshot.
     */
    static final class LedgerReconciliation implements Scenario {
        private static final long ENTRIES = 1_000_000;
        private static final long QUICK_ENTRIES = 100_000;
        private static final int TRANSACTIONS_PER_COMMIT = 50_000;

        @Override
        public String name() {
            return "ledger-reconciliation";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            long target = context.timing().measured().getSeconds() < 30 ? QUICK_ENTRIES : ENTRIES;
            long topUpStarted = System.nanoTime();
            long entries;
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement()) {
                statement.execute("""
                        INSERT INTO ledger_account (name, currency)
                        SELECT 'bench_account:' || ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0')), 'JPY'
                        FROM generate_series(0, 999) AS n
                        ON CONFLICT (name, currency) DO NOTHING""");
                while ((entries = count(statement, "SELECT count(*) FROM ledger_entry")) < target) {
                    long transactions = Math.min(TRANSACTIONS_PER_COMMIT, (target - entries + 1) / 2);
                    statement.execute("""
                            WITH accounts AS (
                                SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM ledger_account
                                WHERE name LIKE 'bench_account:%%'),
                            posted AS (
                                INSERT INTO ledger_transaction (event_id, event_type, event_position)
                                SELECT gen_random_uuid(), 'bench', 0 FROM generate_series(1, %d)
                                RETURNING id)
                            INSERT INTO ledger_entry (transaction_id, account_id, currency, amount)
                            SELECT p.id, a.id, 'JPY', CASE WHEN side = 0 THEN 1 + p.id %% 9999 ELSE -(1 + p.id %% 9999) END
                            FROM posted p CROSS JOIN (VALUES (0), (1)) AS s(side)
                            JOIN accounts a ON a.i = (p.id * 2 + side) %% 1000""".formatted(transactions));
                }
                statement.execute("ANALYZE ledger_entry");
                statement.execute("ANALYZE ledger_account");
            }
            double topUpSeconds = (System.nanoTime() - topUpStarted) / 1e9;

            String token = context.api().token(context.api().createClient(context.operatorToken(),
                    "bench ledger auditor", "operator", null, List.of("settlement:read")));
            Machine.CpuMeter cpu = new Machine.CpuMeter(context);
            long started = System.nanoTime();
            JsonNode report = context.api().get(token, "/v1/ledger/reconciliation");
            double seconds = (System.nanoTime() - started) / 1e9;
            Report.CpuShares shares = cpu.stop();
            boolean reconciled = report.get("reconciled").asBoolean();
            long checked = report.get("entries").asLong();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("topUpSeconds", Report.round(topUpSeconds));
            figures.put("entries", checked);
            figures.put("accounts", report.get("accounts").asLong());
            figures.put("reconciled", reconciled);
            figures.put("seconds", Report.round(seconds));
            figures.put("cpu", shares);
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("reconciliation over " + String.format(Locale.ROOT, "%,d", target) + " entries < 30 s",
                            String.format(Locale.ROOT, "%d entries in %.1f s, reconciled %s", checked, seconds,
                                    reconciled),
                            reconciled && checked >= target && seconds < 30)));
        }
    }
}
