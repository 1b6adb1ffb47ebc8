package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_ENTRY;
import static dev.marketplace.schema.Tables.LEDGER_REFERENCE;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static dev.marketplace.schema.Tables.SETTLEMENT_STATEMENT;

import dev.marketplace.schema.tables.records.LedgerAccountRecord;
import dev.marketplace.schema.tables.records.SettlementStatementRecord;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jooq.DSLContext;
import org.jooq.Record8;
import org.jooq.SelectSeekStep1;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Statements (decision 32): a merchant's payable in one currency over one calendar month (UTC), its entries as
 * lines. A cycle is closed once it has ended — by the closing job or by the first read after its end, whichever
 * comes first — as a row holding its opening and closing balances and the range of entry ids it covers; entries are
 * immutable and their ids in commit order, so a closed statement never changes. The current cycle is open: the
 * entries posted since the last closed one. Amounts as the ledger counts them (a credit, owed to the merchant,
 * negative); closing = opening + Σ lines.
 */
final class Statements {

    static final String CLOSING_JOB = "settlement.statement-closing";
    private static final String PAYABLE_PREFIX = "merchant_payable:";
    private static final String RESERVE_PREFIX = "merchant_reserve:";

    /** The merchant's accounts a statement can be of (decision 52), by the name before {@code :}. */
    enum Kind {
        MERCHANT_PAYABLE, MERCHANT_RESERVE;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        String accountOf(UUID merchantId) {
            return wireName() + ":" + merchantId;
        }
    }

    /** A statement's heading: {@code closed} false for the current cycle, whose closing is the balance so far. */
    record Statement(UUID merchantId, Kind kind, String currency, YearMonth cycle, boolean closed, long opening,
                     long closing, long lineCount, long afterEntryId, long throughEntryId) {
    }

    /** One entry of the payable, traced to its cause: {@code reference} is the event's idempotency id. */
    record Line(long entryId, OffsetDateTime postedAt, String eventType, String reference, UUID orderId,
                UUID subOrderId, long amount, String currency) {
    }

    private final DSLContext dsl;
    private final Clock clock;

    Statements(DSLContext dsl, Clock clock) {
        this.dsl = dsl;
        this.clock = clock;
    }

    private YearMonth currentCycle() {
        return YearMonth.from(clock.instant().atOffset(ZoneOffset.UTC));
    }

    /** The closing job: every payable's ended cycles closed, in order. Returns how many statements it closed. */
    long closeEnded() {
        List<Long> payables = dsl.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.startsWith(PAYABLE_PREFIX).or(LEDGER_ACCOUNT.NAME.startsWith(RESERVE_PREFIX)))
                .fetch(LEDGER_ACCOUNT.ID);
        long closed = 0;
        for (long account : payables) {
            closed += closeEnded(account);
        }
        return closed;
    }

    /**
     * Closes the account's ended cycles after its last closed one, from the cycle of its first entry. Two closers at
     * once insert the same key; the first wins and the other's insert does nothing.
     */
    private long closeEnded(long accountId) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            LedgerAccountRecord account = db.selectFrom(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ID.eq(accountId)).fetchSingle();
            Optional<SettlementStatementRecord> last = db.selectFrom(SETTLEMENT_STATEMENT)
                    .where(SETTLEMENT_STATEMENT.ACCOUNT_ID.eq(accountId))
                    .orderBy(SETTLEMENT_STATEMENT.CYCLE.desc()).limit(1).fetchOptional();
            long after = last.map(SettlementStatementRecord::getThroughEntryId).orElse(0L);
            long opening = last.map(SettlementStatementRecord::getClosingBalance).orElse(0L);
            YearMonth cycle;
            if (last.isPresent()) {
                cycle = YearMonth.from(last.get().getCycle()).plusMonths(1);
            } else {
                OffsetDateTime first = db.select(DSL.min(LEDGER_TRANSACTION.POSTED_AT)).from(LEDGER_ENTRY)
                        .join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.ID.eq(LEDGER_ENTRY.TRANSACTION_ID))
                        .where(LEDGER_ENTRY.ACCOUNT_ID.eq(accountId)).fetchOne(0, OffsetDateTime.class);
                if (first == null) {
                    return 0L;
                }
                cycle = YearMonth.from(first.withOffsetSameInstant(ZoneOffset.UTC));
            }
            long closed = 0;
            YearMonth current = currentCycle();
            for (; cycle.isBefore(current); cycle = cycle.plusMonths(1)) {
                OffsetDateTime end = cycle.plusMonths(1).atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC);
                Long lastEntry = db.select(DSL.max(LEDGER_ENTRY.ID))
                        .from(LEDGER_ENTRY).join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.ID.eq(LEDGER_ENTRY.TRANSACTION_ID))
                        .where(LEDGER_ENTRY.ACCOUNT_ID.eq(accountId)).and(LEDGER_ENTRY.ID.gt(after))
                        .and(LEDGER_TRANSACTION.POSTED_AT.lt(end))
                        .fetchOne(0, Long.class);
                // Every entry up to the last one posted before the cycle's end (ids are in commit order).
                long through = lastEntry == null ? after : lastEntry;
                var totals = db.select(DSL.count(), DSL.coalesce(DSL.sum(LEDGER_ENTRY.AMOUNT).cast(SQLDataType.BIGINT), 0L))
                        .from(LEDGER_ENTRY).where(LEDGER_ENTRY.ACCOUNT_ID.eq(accountId))
                        .and(LEDGER_ENTRY.ID.gt(after)).and(LEDGER_ENTRY.ID.le(through))
                        .fetchSingle();
                long closing = Math.addExact(opening, totals.value2());
                closed += db.insertInto(SETTLEMENT_STATEMENT)
                        .set(SETTLEMENT_STATEMENT.ACCOUNT_ID, accountId)
                        .set(SETTLEMENT_STATEMENT.CYCLE, cycle.atDay(1))
                        .set(SETTLEMENT_STATEMENT.MERCHANT_ID, account.getMerchantId())
                        .set(SETTLEMENT_STATEMENT.CURRENCY, account.getCurrency())
                        .set(SETTLEMENT_STATEMENT.OPENING_BALANCE, opening)
                        .set(SETTLEMENT_STATEMENT.CLOSING_BALANCE, closing)
                        .set(SETTLEMENT_STATEMENT.AFTER_ENTRY_ID, after)
                        .set(SETTLEMENT_STATEMENT.THROUGH_ENTRY_ID, through)
                        .set(SETTLEMENT_STATEMENT.LINE_COUNT, (long) totals.value1())
                        .onConflictDoNothing()
                        .execute();
                after = through;
                opening = closing;
            }
            return closed;
        });
    }

    /**
     * The merchant's statement of {@code cycle} in {@code currency}: closed if the cycle has ended (closing it now if
     * the job has not yet), open for the current one. 404 for another tenant, a future cycle, one before the
     * payable's first entry, or a currency it has no payable in.
     */
    Statement statement(Principal viewer, UUID merchantId, String currency, YearMonth cycle) {
        return statement(viewer, merchantId, Kind.MERCHANT_PAYABLE, currency, cycle);
    }

    /** As {@link #statement(Principal, UUID, String, YearMonth)}, of the merchant's payable or reserve (decision 52). */
    Statement statement(Principal viewer, UUID merchantId, Kind kind, String currency, YearMonth cycle) {
        LedgerAccountRecord account = dsl.selectFrom(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.eq(kind.accountOf(merchantId)))
                .and(LEDGER_ACCOUNT.CURRENCY.eq(currency))
                .and(Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), LEDGER_ACCOUNT.MERCHANT_ID))
                .fetchOptional().orElseThrow(() -> ProblemException.notFound("statement"));
        YearMonth current = currentCycle();
        if (cycle.isAfter(current)) {
            throw ProblemException.notFound("statement");
        }
        if (cycle.isBefore(current)) {
            closeEnded(account.getId());
            return dsl.selectFrom(SETTLEMENT_STATEMENT)
                    .where(SETTLEMENT_STATEMENT.ACCOUNT_ID.eq(account.getId()))
                    .and(SETTLEMENT_STATEMENT.CYCLE.eq(cycle.atDay(1)))
                    .fetchOptional(row -> new Statement(merchantId, kind, currency, cycle, true, row.getOpeningBalance(),
                            row.getClosingBalance(), row.getLineCount(), row.getAfterEntryId(), row.getThroughEntryId()))
                    .orElseThrow(() -> ProblemException.notFound("statement"));
        }
        return dsl.transactionResult(tx -> { // one snapshot: the last closed statement and the entries after it
            DSLContext db = tx.dsl();
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            Optional<SettlementStatementRecord> last = db.selectFrom(SETTLEMENT_STATEMENT)
                    .where(SETTLEMENT_STATEMENT.ACCOUNT_ID.eq(account.getId()))
                    .orderBy(SETTLEMENT_STATEMENT.CYCLE.desc()).limit(1).fetchOptional();
            long after = last.map(SettlementStatementRecord::getThroughEntryId).orElse(0L);
            long opening = last.map(SettlementStatementRecord::getClosingBalance).orElse(0L);
            var totals = db.select(DSL.count(), DSL.coalesce(DSL.sum(LEDGER_ENTRY.AMOUNT).cast(SQLDataType.BIGINT), 0L),
                            DSL.coalesce(DSL.max(LEDGER_ENTRY.ID), after))
                    .from(LEDGER_ENTRY).where(LEDGER_ENTRY.ACCOUNT_ID.eq(account.getId())).and(LEDGER_ENTRY.ID.gt(after))
                    .fetchSingle();
            return new Statement(merchantId, kind, currency, cycle, false, opening, Math.addExact(opening, totals.value2()),
                    totals.value1(), after, totals.value3());
        });
    }

    /** A page of the statement's lines after the entry id {@code afterEntryId}, in entry order. */
    List<Line> lines(Statement statement, long afterEntryId, int limit) {
        return linesQuery(dsl, statement, Math.max(afterEntryId, statement.afterEntryId())).limit(limit).fetch(Statements::line);
    }

    /** Every line, read from a server-side cursor in one transaction, handed to {@code each} as it comes. */
    void eachLine(Statement statement, Consumer<Line> each) {
        dsl.transaction(tx -> {
            try (var cursor = linesQuery(tx.dsl(), statement, statement.afterEntryId()).fetchSize(2_000).fetchLazy()) {
                cursor.forEach(row -> each.accept(line(row)));
            }
        });
    }

    private static SelectSeekStep1<Record8<Long, Long, String, String, OffsetDateTime, UUID, UUID, String>, Long> linesQuery(
            DSLContext db, Statement statement, long after) {
        return db.select(LEDGER_ENTRY.ID, LEDGER_ENTRY.AMOUNT, LEDGER_ENTRY.CURRENCY, LEDGER_TRANSACTION.EVENT_TYPE,
                        LEDGER_TRANSACTION.POSTED_AT, LEDGER_TRANSACTION.ORDER_ID, LEDGER_TRANSACTION.SUB_ORDER_ID,
                        LEDGER_REFERENCE.REFERENCE)
                .from(LEDGER_ENTRY)
                .join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.ID.eq(LEDGER_ENTRY.TRANSACTION_ID))
                .leftJoin(LEDGER_REFERENCE).on(LEDGER_REFERENCE.EVENT_ID.eq(LEDGER_TRANSACTION.EVENT_ID))
                .where(LEDGER_ENTRY.ACCOUNT_ID.eq(DSL.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                        .where(LEDGER_ACCOUNT.NAME.eq(statement.kind().accountOf(statement.merchantId())))
                        .and(LEDGER_ACCOUNT.CURRENCY.eq(statement.currency()))))
                .and(LEDGER_ENTRY.ID.gt(after))
                .and(LEDGER_ENTRY.ID.le(statement.throughEntryId()))
                .orderBy(LEDGER_ENTRY.ID);
    }

    private static Line line(Record8<Long, Long, String, String, OffsetDateTime, UUID, UUID, String> row) {
        return new Line(row.value1(), row.value5(), row.value4(), row.value8(), row.value6(), row.value7(),
                row.value2(), row.value3());
    }
}
