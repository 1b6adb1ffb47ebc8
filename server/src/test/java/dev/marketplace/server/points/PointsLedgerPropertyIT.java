package dev.marketplace.server.points;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.orders.OrderPoints;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A property of the points ledger over random sequences (seeded, so a failure replays): orders of several customers
 * placed with random redemptions, paid or left unpaid, delivered, cancelled, partly returned again and again, the
 * clock moved on so windows close, unpaid orders release and lots expire, the operator's adjustments. After every
 * step: no balance below zero, each bucket's entries equal its lots' remaining points, every redemption's points are
 * accounted for (spent, or back in proportion to the units given back), and the points liability the money
 * movements built equals the points customers hold — no point lost or created.
 */
class PointsLedgerPropertyIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK);

    private record SubOrder(UUID id, UUID orderId, List<Integer> lines, Map<Integer, Long> quantities) {
    }

    @ParameterizedTest
    @ValueSource(longs = {20261205L, 16L, 35L})
    void randomSequencesKeepEveryPoint(long seed) {
        Random random = new Random(seed);
        DSLContext dsl = server.db();
        PointsSettings settings = PointsSettings.from(TestServer.config(Map.of()).get("points"));
        PointsService points = new PointsService(dsl, settings, new PointsLedger(settings), CLOCK);
        List<UUID> customers = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        List<UUID> merchants = List.of(UUID.randomUUID(), UUID.randomUUID());
        UUID category = UUID.randomUUID();
        List<SubOrder> open = new ArrayList<>();
        List<SubOrder> delivered = new ArrayList<>();
        points.adjust("operator", customers.getFirst(), 5_000, "welcome", Optional.empty());

        for (int step = 0; step < 120; step++) {
            int action = random.nextInt(10);
            UUID customer = customers.get(random.nextInt(customers.size()));
            if (action <= 3) {
                UUID orderId = UUID.randomUUID();
                List<OrderPoints.Line> lines = new ArrayList<>();
                Map<UUID, SubOrder> parts = new HashMap<>();
                for (UUID merchant : merchants) {
                    if (random.nextBoolean() || lines.isEmpty() && merchant.equals(merchants.getLast())) {
                        SubOrder part = new SubOrder(UUID.randomUUID(), orderId, new ArrayList<>(), new HashMap<>());
                        parts.put(merchant, part);
                        for (int line = 0; line < 1 + random.nextInt(3); line++) {
                            long quantity = 1 + random.nextInt(4);
                            lines.add(new OrderPoints.Line(part.id(), merchant, line, category, quantity,
                                    Money.of(quantity * (100 + random.nextInt(20_000)), "JPY")));
                            part.lines().add(line);
                            part.quantities().put(line, quantity);
                        }
                    }
                }
                long available = PointsLedger.balance(dsl, customer, PointsLedger.AVAILABLE);
                long redeem = available == 0 ? 0 : random.nextLong(Math.min(available, 3_000) + 1);
                try {
                    dsl.transaction(tx -> points.placed(tx.dsl(), customer, orderId, points.now().plusMinutes(30),
                            lines, redeem));
                } catch (ProblemException refused) {
                    assertThat(refused.code()).isIn("points_above_maximum", "insufficient_points");
                    continue;
                }
                if (random.nextInt(6) > 0) {
                    dsl.transaction(tx -> points.paid(tx.dsl(), orderId, points.now()));
                    open.addAll(parts.values());
                }
            } else if (action == 4 && !open.isEmpty()) {
                SubOrder part = open.remove(random.nextInt(open.size()));
                dsl.transaction(tx -> points.delivered(tx.dsl(), part.id(), points.now()));
                delivered.add(part);
            } else if (action == 5 && !open.isEmpty()) {
                SubOrder part = open.remove(random.nextInt(open.size()));
                dsl.transaction(tx -> points.givenBack(tx.dsl(), part.id(), "sub_order:" + part.id(), Map.of(), true));
            } else if (action == 6 && !delivered.isEmpty()) {
                SubOrder part = delivered.get(random.nextInt(delivered.size()));
                int line = part.lines().get(random.nextInt(part.lines().size()));
                long units = 1 + random.nextInt(Math.toIntExact(part.quantities().get(line)));
                dsl.transaction(tx -> points.givenBack(tx.dsl(), part.id(), "return:" + UUID.randomUUID(),
                        Map.of(line, units), false));
            } else if (action == 7) {
                CLOCK.advance(Duration.ofDays(1 + random.nextInt(60)));
                points.closeReturnWindows();
                points.releaseUnpaid();
                points.expireLots();
            } else if (action == 8) {
                long delta = random.nextBoolean() ? 1 + random.nextInt(500) : -(1 + random.nextInt(500));
                // Half the gifts are limited-time points: lots expiring before others, spent and expired first.
                Optional<OffsetDateTime> expiresAt = delta > 0 && random.nextBoolean()
                        ? Optional.of(points.now().plusDays(1 + random.nextInt(30))) : Optional.empty();
                try {
                    points.adjust("operator", customer, delta, "goodwill", expiresAt);
                } catch (ProblemException refused) {
                    assertThat(refused.code()).isEqualTo("insufficient_points");
                }
            } else {
                points.recalculateTiers();
            }
            assertInvariants(dsl, seed, step);
        }
        CLOCK.advance(Duration.ofDays(800));
        points.closeReturnWindows();
        points.releaseUnpaid();
        points.expireLots();
        assertInvariants(dsl, seed, -1);
    }

    private static void assertInvariants(DSLContext dsl, long seed, int step) {
        String at = "seed " + seed + ", step " + step;
        assertThat(dsl.fetch("""
                SELECT customer_id, bucket, sum(points) FROM points_entry GROUP BY customer_id, bucket
                HAVING sum(points) < 0""")).as("balances below zero, " + at).isEmpty();
        assertThat(dsl.fetch("""
                SELECT * FROM (SELECT customer_id, bucket, sum(points) AS points FROM points_entry
                                GROUP BY customer_id, bucket) e
                FULL JOIN (SELECT customer_id, state AS bucket, sum(remaining) AS points FROM points_lot
                            WHERE state IN ('pending', 'available') GROUP BY customer_id, state) l
                       USING (customer_id, bucket)
                WHERE COALESCE(e.points, 0) <> COALESCE(l.points, 0)""")).as("entries ≠ lots, " + at).isEmpty();
        assertThat(dsl.fetch("""
                SELECT o.order_id FROM points_order o
                 WHERE o.redeemed_points <> (SELECT COALESCE(sum(points), 0) FROM points_redemption r
                                              WHERE r.order_id = o.order_id)
                    OR o.redeemed_points <> (SELECT COALESCE(sum(points), 0) FROM points_order_line l
                                              WHERE l.order_id = o.order_id)
                    OR (o.state <> 'released' AND (SELECT COALESCE(sum(returned), 0) FROM points_redemption r
                                                    WHERE r.order_id = o.order_id)
                        <> (SELECT COALESCE(sum(points * returned_quantity / quantity), 0) FROM points_order_line l
                             WHERE l.order_id = o.order_id))""")).as("redemptions not accounted for, " + at).isEmpty();
        long liability = ((Number) dsl.fetchValue("""
                SELECT COALESCE(sum((leg ->> 'amount')::bigint), 0) FROM domain_event,
                       jsonb_array_elements(payload -> 'legs') leg
                 WHERE type LIKE 'points_%' AND (leg ->> 'account' = 'platform_points_liability'
                                                  OR leg ->> 'account' LIKE 'merchant_points_liability:%')""")).longValue();
        long held = ((Number) dsl.fetchValue("""
                SELECT (SELECT COALESCE(sum(remaining), 0) FROM points_lot WHERE state IN ('pending', 'available'))
                     + (SELECT COALESCE(sum(r.points - r.returned), 0) FROM points_redemption r
                          JOIN points_order o ON o.order_id = r.order_id WHERE o.state = 'placed')""")).longValue();
        assertThat(-liability).as("points liability in money = points held, " + at).isEqualTo(held);
    }
}
