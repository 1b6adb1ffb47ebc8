package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.http.Csv;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /v1/statements/{cycle}}: a merchant's statement of one month in one currency, as JSON pages of lines or, with
 * {@code Accept: text/csv}, the whole statement streamed as CSV (columns {@link #CSV_COLUMNS}).
 */
public final class StatementHttpService implements HttpService {

    public static final String PATH = "/v1/statements";
    /** The CSV's fixed columns (the contract's): the first row is the opening balance, the last the closing one. */
    static final String CSV_COLUMNS = "line,posted_at,type,reference,order_id,sub_order_id,amount,currency";
    private static final Pattern CYCLE = Pattern.compile("[0-9]{4}-(0[1-9]|1[0-2])");

    private final Statements statements;

    StatementHttpService(Statements statements) {
        this.statements = statements;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{cycle}", this::get);
    }

    public record LineView(String id, OffsetDateTime postedAt, String type, String reference, UUID orderId,
                           UUID subOrderId, Money amount) {

        static LineView of(Statements.Line line) {
            return new LineView(Long.toString(line.entryId()), line.postedAt(), line.eventType(), line.reference(),
                    line.orderId(), line.subOrderId(), Money.of(line.amount(), line.currency()));
        }
    }

    public record StatementView(UUID merchantId, String account, String cycle, String status, Money openingBalance,
                                Money closingBalance, long lineCount, List<LineView> lines, String nextCursor) {
    }

    private void get(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "merchantId", "currency", "account", "limit", "cursor");
        Optional<UUID> merchantId = query.uuid("merchantId");
        Optional<String> currency = query.currency("currency");
        PageRequest page = query.pageRequest(PageRequest.LARGEST_LIMIT, CursorKey.POSITION);
        Principal caller = Authentication.principal(req);
        if (currency.isEmpty() && query.text("currency", 0, 3).isEmpty()) {
            query.reject("currency", "required", "the statement's currency, e.g. JPY");
        }
        if (merchantId.isEmpty() && caller.type() != PrincipalType.MERCHANT && query.text("merchantId", 0, 36).isEmpty()) {
            query.reject("merchantId", "required", "whose statement (the operator names the merchant)");
        }
        Statements.Kind kind = query.oneOf("account", java.util.Set.of("merchant_payable", "merchant_reserve"))
                .map(name -> Statements.Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT)))
                .orElse(Statements.Kind.MERCHANT_PAYABLE);
        query.throwIfInvalid();
        YearMonth cycle = cycle(req.path().pathParameters().get("cycle"));
        Statements.Statement statement = statements.statement(caller, merchantId.orElse(caller.id()), kind,
                currency.get(), cycle);
        if (Csv.preferred(req)) {
            csv(res, statement);
            return;
        }
        long after = page.after().map(c -> Long.parseLong(c.keys().getFirst())).orElse(0L);
        List<Statements.Line> lines = statements.lines(statement, after, page.fetchSize());
        String next = lines.size() > page.limit() ? Cursor.of(Long.toString(lines.get(page.limit() - 1).entryId())).encode() : null;
        JsonResponses.ok(res, new StatementView(statement.merchantId(), statement.kind().wireName(), cycle.toString(),
                statement.closed() ? "closed" : "open", Money.of(statement.opening(), statement.currency()),
                Money.of(statement.closing(), statement.currency()), statement.lineCount(),
                lines.stream().limit(page.limit()).map(LineView::of).toList(), next));
    }

    private static YearMonth cycle(String text) {
        if (!CYCLE.matcher(text).matches()) {
            throw ProblemException.notFound("statement");
        }
        try {
            return YearMonth.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.notFound("statement");
        }
    }


    /** The whole statement as it is read from the database, through a buffered writer straight to the client. */
    private void csv(ServerResponse res, Statements.Statement statement) {
        String currency = statement.currency();
        try (Writer out = Csv.writer(res)) {
            out.write(CSV_COLUMNS);
            out.write("\r\n");
            out.write(",,opening_balance,,,," + statement.opening() + "," + currency + "\r\n");
            statements.eachLine(statement, line -> {
                try {
                    out.write(Long.toString(line.entryId()));
                    out.write(',');
                    out.write(line.postedAt().toString());
                    out.write(',');
                    out.write(line.eventType());
                    out.write(',');
                    out.write(line.reference() == null ? "" : line.reference());
                    out.write(',');
                    out.write(line.orderId() == null ? "" : line.orderId().toString());
                    out.write(',');
                    out.write(line.subOrderId() == null ? "" : line.subOrderId().toString());
                    out.write(',');
                    out.write(Long.toString(line.amount()));
                    out.write(',');
                    out.write(line.currency());
                    out.write("\r\n");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.write(",,closing_balance,,,," + statement.closing() + "," + currency + "\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
