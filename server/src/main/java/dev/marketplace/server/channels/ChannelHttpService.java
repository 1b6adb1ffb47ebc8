package dev.marketplace.server.channels;

import dev.marketplace.schema.tables.records.ChannelSubOrderRecord;
import dev.marketplace.server.platform.http.Csv;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /v1/channels}: channels and their programmes, codes, attributed orders, statements (JSON or CSV), deposits,
 * service tickets and scorecards (decision 41). Parses, delegates, renders.
 */
public final class ChannelHttpService implements HttpService {

    public static final String PATH = "/v1/channels";
    /** The statement CSV's fixed columns (the contract's). */
    static final String CSV_COLUMNS =
            "line,occurred_at,type,reference,order_id,sub_order_id,tier_from,rate_basis_points,base,amount,currency";
    private static final Pattern CYCLE = Pattern.compile("[0-9]{4}-(0[1-9]|1[0-2])");
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_-]+");
    private static final long MAX_MONEY = Long.MAX_VALUE;

    private final ChannelService channels;
    private final ChannelStatements statements;
    private final Scorecards scorecards;

    ChannelHttpService(ChannelService channels, ChannelStatements statements, Scorecards scorecards) {
        this.channels = channels;
        this.statements = statements;
        this.scorecards = scorecards;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/{channelId}", (req, res) -> JsonResponses.ok(res,
                        ChannelView.of(channels.get(Authentication.principal(req), channelId(req)))))
                .post("/{channelId}/codes", this::addCode)
                .get("/{channelId}/orders", this::orders)
                .get("/{channelId}/statements/{cycle}", this::statement)
                .post("/{channelId}/deposits", this::deposit)
                .post("/{channelId}/deposit-draws", this::draw)
                .post("/{channelId}/service-responses", this::ticket)
                .get("/{channelId}/scorecards/{quarter}", this::scorecard);
    }

    public record TierView(long from, int rateBasisPoints) {
    }

    public record ProgrammeView(String currency, String period, String fundedBy, List<TierView> tiers,
                                Money quarterlyGmvTarget) {
    }

    public record ChannelView(UUID id, String name, String kind, String principalType, UUID principalId,
                              ProgrammeView programme, List<String> codes, OffsetDateTime createdAt) {

        static ChannelView of(Channel channel) {
            Channel.Programme programme = channel.programme();
            return new ChannelView(channel.id(), channel.name(), channel.kind(),
                    channel.principalType() == null ? null : channel.principalType().wireName(), channel.principalId(),
                    new ProgrammeView(programme.currency(), programme.period(), programme.fundedBy(),
                            programme.tiers().tiers().stream().map(t -> new TierView(t.from(), t.rateBasisPoints()))
                                    .toList(), Money.of(programme.gmvTarget(), programme.currency())),
                    channel.codes(), channel.createdAt());
        }
    }

    public record CodeView(String code, UUID channelId) {
    }

    public record SubOrderView(UUID subOrderId, UUID merchantId, Money netSales, boolean released, Money refunded) {

        static SubOrderView of(ChannelSubOrderRecord row) {
            return new SubOrderView(row.getSubOrderId(), row.getMerchantId(), Money.of(row.getNetSales(), row.getCurrency()),
                    row.getReleasedAt() != null, Money.of(row.getRefunded(), row.getCurrency()));
        }
    }

    public record OrderView(UUID orderId, UUID channelId, String attributedBy, String code, String placedByType,
                            UUID placedById, UUID customerId, OffsetDateTime placedAt, List<SubOrderView> subOrders) {
    }

    public record OrderPage(List<OrderView> items, String nextCursor) {
    }

    public record LineView(long line, OffsetDateTime occurredAt, String type, String reference, UUID orderId,
                           UUID subOrderId, Long tierFrom, Integer rateBasisPoints, Long base, String reason,
                           Money amount) {

        static LineView of(ChannelRepository.Line line) {
            return new LineView(line.id(), line.occurredAt(), line.type(), line.reference(), line.orderId(),
                    line.subOrderId(), line.tierFrom(), line.rateBasisPoints(), line.base(), line.reason(),
                    Money.of(line.amount(), line.currency()));
        }
    }

    public record StatementView(UUID channelId, String cycle, String status, Money openingBalance,
                                Money closingBalance, List<LineView> lines) {
    }

    public record DepositView(UUID id, UUID channelId, String kind, String reference, String reason, Money amount,
                              String decidedBy, OffsetDateTime occurredAt, Money heldAfter) {

        static DepositView of(ChannelService.DepositMovement movement) {
            return new DepositView(movement.id(), movement.channelId(), movement.kind(), movement.reference(),
                    movement.reason(), movement.amount(), movement.decidedBy(), movement.occurredAt(),
                    movement.heldAfter());
        }
    }

    public record TicketView(UUID channelId, String reference, OffsetDateTime raisedAt, OffsetDateTime answeredAt,
                             long responseSeconds) {
    }

    public record SourceView(String kind, String id, UUID orderId, long value) {
    }

    public record MeasureView(String name, int weightBasisPoints, long target, long actual, int achievementBasisPoints,
                              int points, List<SourceView> sources) {
    }

    public record ScorecardView(UUID channelId, String quarter, String currency, int score, List<MeasureView> measures) {

        static ScorecardView of(Scorecards.Scorecard card) {
            return new ScorecardView(card.channelId(), card.quarter(), card.currency(), card.score(),
                    card.measures().stream().map(m -> new MeasureView(m.name(), m.weight(), m.target(), m.actual(),
                            m.achievement(), m.points(), m.sources().stream()
                            .map(s -> new SourceView(s.kind(), s.id(), s.orderId(), s.value())).toList())).toList());
        }
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "kind", "principalId", "programme");
        String name = body.requiredString("name", 1, 200);
        String kind = requiredEnum(body, "kind", Set.copyOf(Channel.KINDS));
        Optional<UUID> principalId = body.nullableUuid("principalId");
        JsonFields programme = body.requiredObject("programme", "currency", "period", "fundedBy", "tiers",
                "quarterlyGmvTarget");
        String currency = programme.requiredString("currency", 3, 3);
        if (currency != null && !Money.isCurrencyCode(currency)) {
            programme.reject("currency", FieldError.INVALID_FORMAT, "an ISO 4217 code, e.g. JPY");
        }
        String period = requiredEnum(programme, "period", Set.copyOf(Channel.Programme.PERIODS));
        String fundedBy = requiredEnum(programme, "fundedBy", Set.copyOf(Channel.Programme.FUNDERS));
        List<ShareTiers.Tier> tiers = new ArrayList<>();
        Optional<List<JsonFields>> tierFields = programme.optionalObjects("tiers", 1, 20, "from", "rateBasisPoints");
        if (tierFields.isEmpty()) {
            programme.reject("tiers", FieldError.REQUIRED, "one to 20 tiers, the first from 0");
        }
        tierFields.orElse(List.of()).forEach(tier -> {
            Optional<Long> from = tier.optionalLong("from", 0, MAX_MONEY);
            Integer rate = tier.requiredInt("rateBasisPoints", 0, ShareTiers.BASIS);
            if (from.isEmpty()) {
                tier.reject("from", FieldError.REQUIRED, "where the tier starts, in minor units");
            } else if (rate != null) {
                tiers.add(new ShareTiers.Tier(from.get(), rate));
            }
        });
        Optional<Money> target = programme.nullableMoney("quarterlyGmvTarget", 0);
        body.throwIfInvalid();
        ShareTiers shareTiers;
        try {
            shareTiers = new ShareTiers(tiers);
        } catch (IllegalArgumentException e) {
            throw ProblemException.validation("programme/tiers", FieldError.OUT_OF_RANGE, e.getMessage());
        }
        if (target.isPresent() && !target.get().currency().equals(currency)) {
            throw ProblemException.validation("programme/quarterlyGmvTarget/currency", FieldError.OUT_OF_RANGE,
                    "in the programme's currency");
        }
        Channel channel = channels.register(Authentication.principal(req), new ChannelService.NewChannel(name, kind,
                principalId.orElse(null), new Channel.Programme(currency, period, fundedBy, shareTiers,
                target.map(Money::amount).orElse(0L))));
        res.header(HeaderNames.LOCATION, PATH + "/" + channel.id());
        JsonResponses.send(res, Status.CREATED_201, ChannelView.of(channel));
    }

    private void addCode(ServerRequest req, ServerResponse res) {
        UUID channelId = channelId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "code");
        String code = body.requiredString("code", 3, 64);
        if (code != null && !CODE.matcher(code).matches()) {
            body.reject("code", FieldError.INVALID_FORMAT, "letters, digits, '_' and '-'");
        }
        body.throwIfInvalid();
        JsonResponses.send(res, Status.CREATED_201,
                new CodeView(channels.addCode(Authentication.principal(req), channelId, code), channelId));
    }

    private void orders(ServerRequest req, ServerResponse res) {
        UUID channelId = channelId(req);
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Principal caller = Authentication.principal(req);
        Page<ChannelRepository.AttributedOrder> found = channels.orders(caller, channelId, page);
        JsonResponses.ok(res, new OrderPage(found.items().stream().map(order -> new OrderView(order.orderId(),
                order.channelId(), order.attributedBy(), order.code(), order.placedByType(), order.placedById(),
                caller.isOperator() ? order.customerId() : null, order.placedAt(),
                order.subOrders().stream().map(SubOrderView::of).toList())).toList(), found.nextCursor()));
    }

    private void statement(ServerRequest req, ServerResponse res) {
        UUID channelId = channelId(req);
        YearMonth cycle = cycle(req.path().pathParameters().get("cycle"));
        ChannelStatements.Statement statement = statements.statement(Authentication.principal(req), channelId, cycle);
        if (Csv.preferred(req)) {
            csv(res, statement);
            return;
        }
        JsonResponses.ok(res, new StatementView(channelId, cycle.toString(), statement.closed() ? "closed" : "open",
                Money.of(statement.opening(), statement.currency()), Money.of(statement.closing(), statement.currency()),
                statement.lines().stream().map(LineView::of).toList()));
    }

    private void deposit(ServerRequest req, ServerResponse res) {
        UUID channelId = channelId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reference", "amount");
        String reference = body.requiredString("reference", 1, 100);
        Money amount = body.requiredMoney("amount", 1);
        body.throwIfInvalid();
        JsonResponses.send(res, Status.CREATED_201, DepositView.of(
                channels.recordDeposit(Authentication.principal(req), channelId, reference, amount)));
    }

    private void draw(ServerRequest req, ServerResponse res) {
        UUID channelId = channelId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "amount", "reason");
        Money amount = body.requiredMoney("amount", 1);
        String reason = body.requiredString("reason", 1, 500);
        body.throwIfInvalid();
        JsonResponses.send(res, Status.CREATED_201, DepositView.of(
                channels.drawDeposit(Authentication.principal(req), channelId, amount, reason)));
    }

    private void ticket(ServerRequest req, ServerResponse res) {
        UUID channelId = channelId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reference", "raisedAt", "answeredAt");
        String reference = body.requiredString("reference", 1, 100);
        OffsetDateTime raisedAt = body.requiredInstant("raisedAt");
        OffsetDateTime answeredAt = body.requiredInstant("answeredAt");
        body.throwIfInvalid();
        ChannelRepository.Ticket ticket = channels.recordTicket(Authentication.principal(req), channelId,
                new ChannelRepository.Ticket(reference, raisedAt, answeredAt));
        JsonResponses.send(res, Status.CREATED_201, new TicketView(channelId, ticket.reference(), ticket.raisedAt(),
                ticket.answeredAt(), java.time.Duration.between(ticket.raisedAt(), ticket.answeredAt()).toSeconds()));
    }

    private void scorecard(ServerRequest req, ServerResponse res) {
        UUID channelId = channelId(req);
        LocalDate quarter = Periods.parseQuarter(req.path().pathParameters().get("quarter"))
                .orElseThrow(() -> ProblemException.notFound("scorecard"));
        JsonResponses.ok(res, ScorecardView.of(scorecards.scorecard(Authentication.principal(req), channelId, quarter)));
    }

    private static String requiredEnum(JsonFields fields, String name, Set<String> allowed) {
        String value = fields.requiredString(name, 1, 100);
        if (value != null && !allowed.contains(value)) {
            fields.reject(name, FieldError.OUT_OF_RANGE, FieldError.oneOf(allowed));
            return null;
        }
        return value;
    }


    private static UUID channelId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("channelId")).orElseThrow(ChannelService::notFound);
    }

    private static YearMonth cycle(String text) {
        if (!CYCLE.matcher(text).matches()) {
            throw ProblemException.notFound("statement");
        }
        return YearMonth.parse(text);
    }


    private static void csv(ServerResponse res, ChannelStatements.Statement statement) {
        String currency = statement.currency();
        try (Writer out = Csv.writer(res)) {
            out.write(CSV_COLUMNS + "\r\n");
            out.write(",,opening_balance,,,,,,," + statement.opening() + "," + currency + "\r\n");
            for (ChannelRepository.Line line : statement.lines()) {
                out.write(String.join(",", Long.toString(line.id()), line.occurredAt().toString(), line.type(),
                        line.reference(), text(line.orderId()), text(line.subOrderId()), text(line.tierFrom()),
                        text(line.rateBasisPoints()), text(line.base()), Long.toString(line.amount()), line.currency()));
                out.write("\r\n");
            }
            out.write(",,closing_balance,,,,,,," + statement.closing() + "," + currency + "\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
