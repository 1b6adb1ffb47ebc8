package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** {@code /v1/ledger}: accounts and balances, an account's entries as a feed, the reconciliation. */
public final class LedgerHttpService implements HttpService {

    public static final String PATH = "/v1/ledger";
    private static final Pattern ACCOUNT_ID = Pattern.compile("[1-9][0-9]{0,17}");

    private final SettlementService settlement;

    LedgerHttpService(SettlementService settlement) {
        this.settlement = settlement;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/accounts", this::accounts)
                .get("/accounts/{accountId}/entries", this::entries)
                .get("/reconciliation", this::reconciliation);
    }

    public record AccountView(String id, String name, UUID merchantId, Money balance) {
    }

    public record AccountPage(List<AccountView> items, String nextCursor) {
    }

    public record EntryView(String id, String transactionId, Money amount, UUID eventId, String eventType,
                            UUID orderId, UUID subOrderId, OffsetDateTime postedAt) {
    }

    public record EntryPage(List<EntryView> items, String nextCursor) {
    }

    public record DiscrepancyView(String name, Money balance, Money sumOfEntries) {
    }

    public record UnbalancedView(String transactionId, Money sum) {
    }

    public record ReconciliationView(boolean reconciled, int accounts, long entries,
                                     List<DiscrepancyView> discrepancies, List<UnbalancedView> unbalancedTransactions) {
    }

    private void accounts(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TEXT, CursorKey.POSITION);
        query.throwIfInvalid();
        Page<Ledger.Account> accounts = settlement.accounts(Authentication.principal(req), page);
        JsonResponses.ok(res, new AccountPage(accounts.items().stream()
                .map(a -> new AccountView(Long.toString(a.id()), a.name(), a.merchantId(),
                        Money.of(a.balance(), a.currency())))
                .toList(), accounts.nextCursor()));
    }

    private void entries(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = ChangeLog.pageRequest(query);
        query.throwIfInvalid();
        String accountId = req.path().pathParameters().get("accountId");
        if (!ACCOUNT_ID.matcher(accountId).matches()) {
            throw ProblemException.notFound("ledger account");
        }
        Page<Ledger.Entry> entries = settlement.entries(Authentication.principal(req), Long.parseLong(accountId), page);
        JsonResponses.ok(res, new EntryPage(entries.items().stream()
                .map(e -> new EntryView(Long.toString(e.id()), Long.toString(e.transactionId()), e.amount(),
                        e.eventId(), e.eventType(), e.orderId(), e.subOrderId(), e.postedAt()))
                .toList(), entries.nextCursor()));
    }

    private void reconciliation(ServerRequest req, ServerResponse res) {
        Ledger.Reconciliation report = settlement.reconcile(Authentication.principal(req));
        JsonResponses.ok(res, new ReconciliationView(report.reconciled(), report.accounts(), report.entries(),
                report.discrepancies().stream().map(d -> new DiscrepancyView(d.name(),
                        Money.of(d.balance(), d.currency()), Money.of(d.sumOfEntries(), d.currency()))).toList(),
                report.unbalanced().stream().map(u -> new UnbalancedView(Long.toString(u.transactionId()),
                        Money.of(u.sum(), u.currency()))).toList()));
    }
}
