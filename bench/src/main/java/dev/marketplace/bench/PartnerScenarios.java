package dev.marketplace.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Inbound points-exchange credits (decision 37): a partner's client posts {@code /v1/exchanges/inbound} for members
 * of 10,000 customers linked to it (links written by SQL), each request with its own Idempotency-Key, under terms
 * of 1:1 with caps far above the run. Each credit checks terms and the three caps (the customer's counter rows, and
 * one of the stripes of the partner's day that no other credit holds, decision 75), inserts the exchange, issues a lot
 * and appends two events. Targets (issue 17):
 * ≥ 500 credits/s (closed loop, 32 connections), p99 &lt; 50 ms at 300/s (open loop).
 */
final class PartnerScenarios {

    private PartnerScenarios() {
    }

    static final class InboundExchange implements Scenario {
        private static final int MEMBERS = 10_000;
        private static final double OPEN_LOOP_RATE = 300;
        private static final int OPEN_LOOP_CONNECTIONS = 64;
        private static final int CLOSED_LOOP_CONNECTIONS = 32;
        private static final double CLOSED_LOOP_MAX_RATE = 3_000;

        @Override
        public String name() {
            return "partner-inbound-exchange";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            Api api = context.api();
            UUID partner = UUID.randomUUID();
            String partnerToken = api.token(api.createClient(context.operatorToken(), "bench partner", "partner", partner,
                    List.of("points:exchange")));
            api.post(context.operatorToken(), "/v1/partners", """
                    {"partnerId": "%s", "name": "bench partner", "apiBaseUrl": "https://partner.invalid/api",
                     "authType": "api_key", "secret": "bench-api-key", "webhookSecret": "whsec_YmVuY2gtcGFydG5lci13ZWJob29rLXNlY3JldA=="}"""
                    .formatted(partner), 201);
            // Far enough ahead to still be ahead when a loaded server handles it (terms are never retroactive).
            Instant from = Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
            api.post(context.operatorToken(), "/v1/partners/" + partner + "/exchange-terms", """
                    {"direction": "inbound", "effectiveFrom": "%s", "rateNumerator": 1, "rateDenominator": 1,
                     "minimum": 1, "step": 1, "customerDailyCap": 1000000000, "customerMonthlyCap": 1000000000,
                     "globalDailyCap": 1000000000000, "settlementPrice": {"amount": 1, "currency": "JPY"}}"""
                    .formatted(from), 201);
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 PreparedStatement link = db.prepareStatement(
                         "INSERT INTO partner_member_link (customer_id, partner_id, member_id) VALUES (?, ?, ?)")) {
                for (int i = 0; i < MEMBERS; i++) {
                    link.setObject(1, UUID.randomUUID());
                    link.setObject(2, partner);
                    link.setString(3, "member-" + i);
                    link.addBatch();
                }
                link.executeBatch();
            }
            Thread.sleep(Math.max(0, from.toEpochMilli() - System.currentTimeMillis() + 100));

            double seconds = context.timing().warmUp().toSeconds() + context.timing().measured().toSeconds();
            byte[][] openLoop = credits(context, partnerToken, (int) Math.ceil(OPEN_LOOP_RATE * seconds * 1.05));
            AtomicInteger nextOpen = new AtomicInteger();
            long exchangesBefore = Machine.CpuMeter.rows(context, "partner_exchange");
            Machine.CpuMeter openCpu = new Machine.CpuMeter(context);
            Report.Load atRate = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS).atRate(OPEN_LOOP_RATE,
                    context.timing().warmUp(), context.timing().measured(),
                    random -> openLoop[nextOpen.getAndIncrement() % openLoop.length]);
            Map<String, Object> openPerCredit = openCpu.perRequest(
                    Machine.CpuMeter.rows(context, "partner_exchange") - exchangesBefore);
            Report.CpuShares openShares = openCpu.stop();

            byte[][] closedLoop = credits(context, partnerToken, (int) (CLOSED_LOOP_MAX_RATE * seconds));
            AtomicInteger nextClosed = new AtomicInteger();
            long exchangesBeforeClosed = Machine.CpuMeter.rows(context, "partner_exchange");
            Machine.CpuMeter closedCpu = new Machine.CpuMeter(context);
            Report.Load closed = new LoadGenerator(context.base(), CLOSED_LOOP_CONNECTIONS).asFastAsPossible(
                    context.timing().warmUp(), context.timing().measured(), random -> {
                        int next = nextClosed.getAndIncrement();
                        if (next >= closedLoop.length) {
                            throw new IllegalStateException("out of prepared credits");
                        }
                        return closedLoop[next];
                    });
            Map<String, Object> closedPerCredit = closedCpu.perRequest(
                    Machine.CpuMeter.rows(context, "partner_exchange") - exchangesBeforeClosed);
            Report.CpuShares closedShares = closedCpu.stop();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("linkedMembers", MEMBERS);
            figures.put("inboundOpenLoop300", atRate);
            figures.put("inboundOpenLoop300Cpu", openShares);
            figures.put("inboundOpenLoop300CpuPerCredit", openPerCredit);
            figures.put("inboundClosedLoop", closed);
            figures.put("inboundClosedLoopCpu", closedShares);
            figures.put("inboundClosedLoopCpuPerCredit", closedPerCredit);
            return new Report.Scenario(name(), "measured", "POST /v1/exchanges/inbound, one new key each", figures,
                    List.of(new Report.Check("≥ 500 credits/s (closed loop)", String.format(Locale.ROOT,
                                    "%.0f credits/s at %d connections (p99 %.1f ms, %d errors)", closed.throughput(),
                                    CLOSED_LOOP_CONNECTIONS, closed.latencyMs() == null ? Double.NaN
                                            : closed.latencyMs().p99(), closed.errors()),
                                    closed.throughput() >= 500 && closed.errors() == 0),
                            new Report.Check("p99 < 50 ms at 300 credits/s (open loop)", atRate.describeP99(),
                                    atRate.p99Below(50))));
        }

        private static byte[][] credits(Context context, String partnerToken, int count) {
            byte[][] requests = new byte[count][];
            for (int i = 0; i < count; i++) {
                requests[i] = HttpConnection.post(context.base(), "/v1/exchanges/inbound", partnerToken,
                        "{\"memberId\": \"member-" + (i % MEMBERS) + "\", \"partnerPoints\": 10}");
            }
            return requests;
        }
    }
}
