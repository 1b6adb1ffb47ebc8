package dev.marketplace.server.channels;

import dev.marketplace.schema.tables.records.ChannelSubOrderRecord;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.config.Config;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The quarterly partner review (decision 41): four measures, each a figure from the channel's own records traced to
 * its sources, an achievement against its target (capped at 10,000 bp), and points = weight × achievement / 10,000
 * rounded down; the score is their sum.
 *
 * <ul>
 *   <li>{@code gmv}: Σ net sales (subtotal excluding tax) of the attributed sub-orders released in the quarter,
 *       against the programme's quarterly target (none: 0 achievement).</li>
 *   <li>{@code repeat_purchase_rate}: of the customers with an attributed order placed in the quarter and paid for
 *       (a sub-order of it released), the share with two or more such orders, in basis points.</li>
 *   <li>{@code return_rate}: Σ refunded of the quarter's released sub-orders over Σ what their customers paid for
 *       them, in basis points; lower is better: achievement target ÷ actual (10,000 at or below the target).</li>
 *   <li>{@code service_response}: of the tickets raised in the quarter, the share answered within the configured
 *       time, in basis points.</li>
 * </ul>
 */
final class Scorecards {

    static final int BASIS = 10_000;

    /** {@code channels.scorecard.*}: the weights (summing to 10,000) and the targets other than GMV. */
    record Settings(int gmvWeight, int repeatWeight, int returnWeight, int serviceWeight, int repeatTarget,
                    int returnTarget, int serviceTarget, Duration answerWithin) {

        Settings {
            if (gmvWeight + repeatWeight + returnWeight + serviceWeight != BASIS) {
                throw new IllegalArgumentException("the scorecard's weights sum to 10,000 basis points");
            }
        }

        static Settings from(Config scorecard) {
            return new Settings(scorecard.get("weights.gmv").asInt().get(),
                    scorecard.get("weights.repeat-purchase-rate").asInt().get(),
                    scorecard.get("weights.return-rate").asInt().get(),
                    scorecard.get("weights.service-response").asInt().get(),
                    scorecard.get("targets.repeat-purchase-rate").asInt().get(),
                    scorecard.get("targets.return-rate").asInt().get(),
                    scorecard.get("targets.service-response").asInt().get(),
                    scorecard.get("answer-within").as(Duration.class).get());
        }
    }

    record Source(String kind, String id, UUID orderId, long value) {
    }

    record Measure(String name, int weight, long target, long actual, int achievement, int points,
                   List<Source> sources) {
    }

    record Scorecard(UUID channelId, String quarter, String currency, int score, List<Measure> measures) {
    }

    private final DSLContext dsl;
    private final ChannelRepository repository;
    private final Settings settings;
    private final ZoneId zone;

    Scorecards(DSLContext dsl, ChannelRepository repository, Settings settings, ZoneId zone) {
        this.dsl = dsl;
        this.repository = repository;
        this.settings = settings;
        this.zone = zone;
    }

    Scorecard scorecard(Principal caller, UUID channelId, LocalDate quarterStart) {
        OffsetDateTime from = Periods.at(quarterStart, zone);
        OffsetDateTime to = Periods.at(quarterStart.plusMonths(3), zone);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            Channel channel = repository.find(db, caller, channelId).orElseThrow(ChannelService::notFound);
            List<ChannelSubOrderRecord> released = repository.releasedBetween(db, channelId, from, to);
            List<Measure> measures = List.of(gmv(channel, released), repeat(db, channelId, from, to),
                    returns(released), service(db, channelId, from, to));
            return new Scorecard(channelId, Periods.quarterName(quarterStart), channel.programme().currency(),
                    measures.stream().mapToInt(Measure::points).sum(), measures);
        });
    }

    private Measure gmv(Channel channel, List<ChannelSubOrderRecord> released) {
        List<Source> sources = released.stream()
                .filter(s -> s.getCurrency().equals(channel.programme().currency()))
                .map(s -> new Source("sub_order", s.getSubOrderId().toString(), s.getOrderId(), s.getNetSales()))
                .toList();
        long actual = sources.stream().mapToLong(Source::value).sum();
        long target = channel.programme().gmvTarget();
        return measure("gmv", settings.gmvWeight(), target, actual, atLeast(actual, target), sources);
    }

    private Measure repeat(DSLContext db, UUID channelId, OffsetDateTime from, OffsetDateTime to) {
        List<Source> sources = new ArrayList<>();
        repository.purchasesBetween(db, channelId, from, to).forEach(row ->
                sources.add(new Source("customer", row.value1().toString(), null, row.value2())));
        long repeating = sources.stream().filter(s -> s.value() >= 2).count();
        long actual = sources.isEmpty() ? 0 : repeating * BASIS / sources.size();
        return measure("repeat_purchase_rate", settings.repeatWeight(), settings.repeatTarget(), actual,
                atLeast(actual, settings.repeatTarget()), sources);
    }

    private Measure returns(List<ChannelSubOrderRecord> released) {
        long paid = released.stream().mapToLong(ChannelSubOrderRecord::getTotal).sum();
        List<Source> sources = released.stream().filter(s -> s.getRefunded() > 0)
                .map(s -> new Source("sub_order", s.getSubOrderId().toString(), s.getOrderId(), s.getRefunded()))
                .toList();
        long refunded = sources.stream().mapToLong(Source::value).sum();
        long actual = paid == 0 ? 0 : refunded * BASIS / paid;
        long target = settings.returnTarget();
        int achievement = actual <= target ? BASIS : (int) (target * BASIS / actual);
        return measure("return_rate", settings.returnWeight(), target, actual, achievement, sources);
    }

    private Measure service(DSLContext db, UUID channelId, OffsetDateTime from, OffsetDateTime to) {
        List<Source> sources = repository.ticketsRaisedBetween(db, channelId, from, to).stream()
                .map(t -> new Source("ticket", t.reference(), null,
                        Duration.between(t.raisedAt(), t.answeredAt()).toSeconds()))
                .toList();
        long inTime = sources.stream().filter(s -> s.value() <= settings.answerWithin().toSeconds()).count();
        long actual = sources.isEmpty() ? 0 : inTime * BASIS / sources.size();
        return measure("service_response", settings.serviceWeight(), settings.serviceTarget(), actual,
                atLeast(actual, settings.serviceTarget()), sources);
    }

    /** Achievement of a figure that should reach its target: actual ÷ target, capped; no target scores nothing. */
    private static int atLeast(long actual, long target) {
        return target == 0 ? 0 : (int) Math.min(BASIS, actual * BASIS / target);
    }

    private static Measure measure(String name, int weight, long target, long actual, int achievement,
                                   List<Source> sources) {
        return new Measure(name, weight, target, actual, achievement, weight * achievement / BASIS, sources);
    }
}
