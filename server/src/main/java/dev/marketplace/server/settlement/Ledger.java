package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_ENTRY;
import static dev.marketplace.schema.Tables.LEDGER_REFERENCE;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;

import dev.marketplace.schema.tables.records.LedgerAccountRecord;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement.Leg;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The double-entry ledger's tables (V20): accounts per name and currency with running balances, immutable
 * transactions of entries. PostgreSQL refuses a transaction that does not balance in each currency and keeps each
 * account's balance with its entries; this class only writes what the posting rules decide.
 */
final class Ledger {

    private static final Pattern MERCHANT_ACCOUNT = Pattern.compile("^merchant_[a-z_]*:([0-9a-f-]{36})$");

    /** An account and its running balance (debits positive). */
    record Account(long id, String name, String currency, UUID merchantId, long balance) {
    }

    /** One entry of an account with its transaction's cause; amount positive a debit, negative a credit. */
    record Entry(long id, long transactionId, Money amount, UUID eventId, String eventType, UUID orderId,
                 UUID subOrderId, OffsetDateTime postedAt) {
    }

    /** An account whose running balance differs from the sum of its entries. */
    record Discrepancy(String name, String currency, long balance, long sumOfEntries) {
    }

    /** A transaction whose entries do not sum to zero in a currency (the database refuses them: expected none). */
    record Unbalanced(long transactionId, String currency, long sum) {
    }

    record Reconciliation(int accounts, long entries, List<Discrepancy> discrepancies, List<Unbalanced> unbalanced) {

        boolean reconciled() {
            return discrepancies.isEmpty() && unbalanced.isEmpty();
        }
    }

    /** What a ledger transaction was posted for: a domain event, and whom it concerns. */
    record Cause(UUID eventId, EventType type, long position, Parties parties) {

        static Cause of(StoredEvent stored) {
            return new Cause(stored.eventId(), stored.event().type(), stored.position(), stored.event().parties());
        }
    }

    /**
     * In the caller's transaction: posts the legs as one ledger transaction of {@code cause} (zero legs are left
     * out), unless that event posted already. Returns whether it posted.
     */
    boolean post(DSLContext tx, Cause cause, List<Leg> legs) {
        List<Leg> moving = legs.stream().filter(leg -> leg.amount() != 0).toList();
        if (moving.isEmpty()) {
            return false;
        }
        Parties parties = cause.parties();
        Long transactionId = tx.insertInto(LEDGER_TRANSACTION)
                .set(LEDGER_TRANSACTION.EVENT_ID, cause.eventId())
                .set(LEDGER_TRANSACTION.EVENT_TYPE, cause.type().wireName())
                .set(LEDGER_TRANSACTION.EVENT_POSITION, cause.position())
                .set(LEDGER_TRANSACTION.ORDER_ID, parties.orderId())
                .set(LEDGER_TRANSACTION.SUB_ORDER_ID, parties.subOrderId())
                .set(LEDGER_TRANSACTION.MERCHANT_ID, parties.merchantId())
                .set(LEDGER_TRANSACTION.CUSTOMER_ID, parties.customerId())
                .onConflict(LEDGER_TRANSACTION.EVENT_ID).doNothing()
                .returning(LEDGER_TRANSACTION.ID)
                .fetchOptional(LEDGER_TRANSACTION.ID).orElse(null);
        if (transactionId == null) {
            return false;
        }
        var insert = tx.insertInto(LEDGER_ENTRY, LEDGER_ENTRY.TRANSACTION_ID, LEDGER_ENTRY.ACCOUNT_ID,
                LEDGER_ENTRY.CURRENCY, LEDGER_ENTRY.AMOUNT);
        // Accounts in one order (name, currency), so concurrent postings lock their balances without deadlock.
        for (Leg leg : moving.stream().sorted(Comparator.comparing(Leg::account).thenComparing(Leg::currency)).toList()) {
            insert = insert.values(transactionId, accountId(tx, leg.account(), leg.currency()), leg.currency(), leg.amount());
        }
        insert.execute();
        return true;
    }

    /**
     * The legs the ledger posted for the event known by this idempotency id ({@code ledger_reference}), merged per
     * account and currency; empty when it posted nothing.
     */
    List<Leg> legsPostedFor(DSLContext db, String reference) {
        return db.select(LEDGER_ACCOUNT.NAME, LEDGER_ENTRY.CURRENCY,
                        DSL.sum(LEDGER_ENTRY.AMOUNT).cast(SQLDataType.BIGINT))
                .from(LEDGER_REFERENCE)
                .join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.EVENT_ID.eq(LEDGER_REFERENCE.EVENT_ID))
                .join(LEDGER_ENTRY).on(LEDGER_ENTRY.TRANSACTION_ID.eq(LEDGER_TRANSACTION.ID))
                .join(LEDGER_ACCOUNT).on(LEDGER_ACCOUNT.ID.eq(LEDGER_ENTRY.ACCOUNT_ID))
                .where(LEDGER_REFERENCE.REFERENCE.eq(reference))
                .groupBy(LEDGER_ACCOUNT.NAME, LEDGER_ENTRY.CURRENCY)
                .orderBy(LEDGER_ACCOUNT.NAME, LEDGER_ENTRY.CURRENCY)
                .fetch(row -> new Leg(row.value1(), row.value3(), row.value2()));
    }

    /** Whether an event of this type has posted for the sub-order. */
    boolean postedFor(DSLContext db, UUID subOrderId, String eventType) {
        return db.fetchExists(LEDGER_TRANSACTION, LEDGER_TRANSACTION.SUB_ORDER_ID.eq(subOrderId)
                .and(LEDGER_TRANSACTION.EVENT_TYPE.eq(eventType)));
    }

    private long accountId(DSLContext tx, String name, String currency) {
        Matcher merchant = MERCHANT_ACCOUNT.matcher(name);
        tx.insertInto(LEDGER_ACCOUNT)
                .set(LEDGER_ACCOUNT.NAME, name)
                .set(LEDGER_ACCOUNT.CURRENCY, currency)
                .set(LEDGER_ACCOUNT.MERCHANT_ID, merchant.matches() ? UUID.fromString(merchant.group(1)) : null)
                .onConflict(LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.CURRENCY).doNothing()
                .execute();
        return tx.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.eq(name)).and(LEDGER_ACCOUNT.CURRENCY.eq(currency))
                .fetchSingle().value1();
    }

    /** The most discrepancies and unbalanced transactions a report lists (the contract's maxItems); more still fail it. */
    static final int REPORTED_AT_MOST = 100;

    /**
     * Proves the ledger: each account's running balance against the sum of its entries, and each transaction's
     * entries summing to zero per currency.
     */
    Reconciliation reconcile(DSLContext db) {
        // SUM(bigint) is numeric in PostgreSQL; cast back to bigint there (an overflow is an error, never a rounding).
        Field<Long> sum = DSL.coalesce(DSL.sum(LEDGER_ENTRY.AMOUNT).cast(SQLDataType.BIGINT), DSL.inline(0L))
                .as("sum_of_entries");
        var perAccount = db.select(LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.CURRENCY, LEDGER_ACCOUNT.BALANCE, sum)
                .from(LEDGER_ACCOUNT).leftJoin(LEDGER_ENTRY).on(LEDGER_ENTRY.ACCOUNT_ID.eq(LEDGER_ACCOUNT.ID))
                .groupBy(LEDGER_ACCOUNT.ID)
                .fetch();
        List<Discrepancy> discrepancies = new ArrayList<>();
        perAccount.forEach(row -> {
            if (!row.value3().equals(row.value4()) && discrepancies.size() < REPORTED_AT_MOST) {
                discrepancies.add(new Discrepancy(row.value1(), row.value2(), row.value3(), row.value4()));
            }
        });
        Field<Long> transactionSum = DSL.sum(LEDGER_ENTRY.AMOUNT).cast(SQLDataType.BIGINT);
        List<Unbalanced> unbalanced = db.select(LEDGER_ENTRY.TRANSACTION_ID, LEDGER_ENTRY.CURRENCY, transactionSum)
                .from(LEDGER_ENTRY)
                .groupBy(LEDGER_ENTRY.TRANSACTION_ID, LEDGER_ENTRY.CURRENCY)
                .having(transactionSum.ne(0L))
                .limit(REPORTED_AT_MOST)
                .fetch(row -> new Unbalanced(row.value1(), row.value2(), row.value3()));
        long entries = db.fetchCount(LEDGER_ENTRY);
        return new Reconciliation(perAccount.size(), entries, discrepancies, unbalanced);
    }

    /** Every account with its balance, by name and currency. */
    List<Account> accounts(DSLContext db) {
        return db.selectFrom(LEDGER_ACCOUNT).orderBy(LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.CURRENCY)
                .fetch(Ledger::account);
    }

    /** The accounts the viewer may see (a merchant its own), by name then id, one more than the page. */
    List<Account> accounts(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.ID)
                        .gt(cursor.keys().get(0), Long.parseLong(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(LEDGER_ACCOUNT).where(visibleTo(viewer)).and(after)
                .orderBy(LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.ID).limit(page.fetchSize())
                .fetch(Ledger::account);
    }

    static Cursor cursorOf(Account account) {
        return Cursor.of(account.name(), Long.toString(account.id()));
    }

    Optional<Account> account(DSLContext db, Principal viewer, long id) {
        return db.selectFrom(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ID.eq(id)).and(visibleTo(viewer))
                .fetchOptional(Ledger::account);
    }

    /**
     * The account's entries after the entry id {@code after}, in id order. Only the posting subscriber writes
     * entries, one batch at a time under its cursor's row lock, so ids are in commit order: a feed by id never
     * skips an entry that commits late.
     */
    List<Entry> entries(DSLContext db, long accountId, long after, int limit) {
        return db.select(LEDGER_ENTRY.ID, LEDGER_ENTRY.TRANSACTION_ID, LEDGER_ENTRY.AMOUNT, LEDGER_ENTRY.CURRENCY,
                        LEDGER_TRANSACTION.EVENT_ID, LEDGER_TRANSACTION.EVENT_TYPE, LEDGER_TRANSACTION.ORDER_ID,
                        LEDGER_TRANSACTION.SUB_ORDER_ID, LEDGER_TRANSACTION.POSTED_AT)
                .from(LEDGER_ENTRY).join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.ID.eq(LEDGER_ENTRY.TRANSACTION_ID))
                .where(LEDGER_ENTRY.ACCOUNT_ID.eq(accountId)).and(LEDGER_ENTRY.ID.gt(after))
                .orderBy(LEDGER_ENTRY.ID).limit(limit)
                .fetch(row -> new Entry(row.value1(), row.value2(), Money.of(row.value3(), row.value4()), row.value5(),
                        row.value6(), row.value7(), row.value8(), row.value9()));
    }

    private static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), LEDGER_ACCOUNT.MERCHANT_ID);
    }

    private static Account account(LedgerAccountRecord row) {
        return new Account(row.getId(), row.getName(), row.getCurrency(), row.getMerchantId(), row.getBalance());
    }
}
