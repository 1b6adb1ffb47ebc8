package dev.marketplace.server.channels;

import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.Principal;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * A channel's statement of a calendar month in the programmes' zone (decision 41): the lines of its share, its
 * reversals and deposits in the programme's currency, opening = Σ of every earlier line, closing = opening + Σ lines.
 * Lines are immutable and dated by their cause, so an ended month never changes. Read in one REPEATABLE READ
 * snapshot so opening and lines agree.
 */
final class ChannelStatements {

    record Statement(UUID channelId, YearMonth cycle, boolean closed, String currency, long opening, long closing,
                     List<ChannelRepository.Line> lines) {
    }

    private final DSLContext dsl;
    private final ChannelRepository repository;
    private final ZoneId zone;
    private final Clock clock;

    ChannelStatements(DSLContext dsl, ChannelRepository repository, ZoneId zone, Clock clock) {
        this.dsl = dsl;
        this.repository = repository;
        this.zone = zone;
        this.clock = clock;
    }

    Statement statement(Principal caller, UUID channelId, YearMonth cycle) {
        OffsetDateTime from = Periods.at(cycle.atDay(1), zone);
        OffsetDateTime to = Periods.at(cycle.plusMonths(1).atDay(1), zone);
        OffsetDateTime now = OffsetDateTime.now(clock);
        if (from.isAfter(now)) {
            throw ProblemException.notFound("statement");
        }
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            Channel channel = repository.find(db, caller, channelId).orElseThrow(ChannelService::notFound);
            String currency = channel.programme().currency();
            long opening = repository.sumBefore(db, channelId, currency, from);
            List<ChannelRepository.Line> lines = repository.lines(db, channelId, currency, from, to);
            long closing = opening + lines.stream().mapToLong(ChannelRepository.Line::amount).sum();
            return new Statement(channelId, cycle, !to.isAfter(now), currency, opening, closing, lines);
        });
    }
}
