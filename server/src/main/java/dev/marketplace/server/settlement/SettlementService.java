package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import java.util.List;
import org.jooq.DSLContext;

/** What clients read of the ledger: accounts by tenant, an account's entries as a feed, the reconciliation. */
final class SettlementService {

    private final DSLContext dsl;
    private final Ledger ledger;

    SettlementService(DSLContext dsl, Ledger ledger) {
        this.dsl = dsl;
        this.ledger = ledger;
    }

    Page<Ledger.Account> accounts(Principal caller, PageRequest page) {
        return Page.fromLookahead(ledger.accounts(dsl, caller, page), page.limit(), Ledger::cursorOf);
    }

    /** A page of the account's entries and the cursor to read on from (also when the page is empty). */
    Page<Ledger.Entry> entries(Principal caller, long accountId, PageRequest page) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            ledger.account(db, caller, accountId).orElseThrow(() -> ProblemException.notFound("ledger account"));
            long after = page.after().map(cursor -> Long.parseLong(cursor.keys().getFirst())).orElse(0L);
            List<Ledger.Entry> entries = ledger.entries(db, accountId, after, page.limit());
            long last = entries.isEmpty() ? after : entries.getLast().id();
            return new Page<>(entries, Cursor.of(Long.toString(last)).encode());
        });
    }

    /** The operator's: every balance against its entries, every transaction against zero. */
    Ledger.Reconciliation reconcile(Principal caller) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator reconciles the ledger.");
        }
        return dsl.transactionResult(tx -> { // one snapshot: balances and entries as of one moment
            tx.dsl().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            return ledger.reconcile(tx.dsl());
        });
    }
}
