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
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
     * out), unless that event posted already. Inside {@link #batched}, the posting waits for the batch's end.
     */
    void post(DSLContext tx, Cause cause, List<Leg> legs) {
        List<Leg> moving = legs.stream().filter(leg -> leg.amount() != 0).toList();
        if (moving.isEmpty()) {
            return;
        }
        Batch batch = (Batch) tx.configuration().data(BATCH);
        if (batch != null) {
            batch.post(cause, moving);
        } else {
            Batch one = new Batch();
            one.post(cause, moving);
            write(tx, one);
        }
    }

    /**
     * The legs the ledger posted for the event known by this idempotency id ({@code ledger_reference}), merged per
     * account and currency; empty when it posted nothing.
     */
    List<Leg> legsPostedFor(DSLContext db, String reference) {
        flushBatch(db); // the reversed posting may wait in this batch (a catch-up handles both events in one)
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

    /** In the caller's transaction: records what the event was about (its idempotency id), once. */
    void reference(DSLContext tx, UUID eventId, String reference) {
        Batch batch = (Batch) tx.configuration().data(BATCH);
        if (batch != null) {
            batch.references.putIfAbsent(eventId, reference);
        } else {
            Batch one = new Batch();
            one.references.put(eventId, reference);
            write(tx, one);
        }
    }

    /**
     * Runs {@code work}, which posts through {@code tx}, then writes all its postings and references set-based (a
     * statement each for transactions, accounts, entries and references, whatever their number): the same
     * transactions and entries, in the same order, as posting each at once. Decision 53.
     */
    void batched(DSLContext tx, Runnable work) {
        Batch batch = new Batch();
        tx.configuration().data(BATCH, batch);
        try {
            work.run();
        } finally {
            tx.configuration().data().remove(BATCH);
        }
        write(tx, batch);
    }

    /**
     * Those of the sub-orders for which an event of this type has posted, in one statement (what waits in the current
     * batch is the caller's to know).
     */
    Set<UUID> subOrdersPosted(DSLContext db, Collection<UUID> subOrderIds, String eventType) {
        if (subOrderIds.isEmpty()) {
            return Set.of();
        }
        return db.selectDistinct(LEDGER_TRANSACTION.SUB_ORDER_ID).from(LEDGER_TRANSACTION)
                .where(LEDGER_TRANSACTION.SUB_ORDER_ID.in(subOrderIds))
                .and(LEDGER_TRANSACTION.EVENT_TYPE.eq(eventType))
                .fetchSet(LEDGER_TRANSACTION.SUB_ORDER_ID);
    }

    private static final String BATCH = Ledger.class.getName() + ".batch";

    /** Rows per multi-row insert (PostgreSQL takes at most 32,767 bind values a statement). */
    private static final int ROWS_PER_STATEMENT = 2_000;

    private record Posting(Cause cause, List<Leg> legs) {
    }

    /** What a batch posts, in posting order; one posting per event (the first: a later one would conflict too). */
    private static final class Batch {
        private final List<Posting> postings = new ArrayList<>();
        private final Set<UUID> events = new HashSet<>();
        private final Map<UUID, String> references = new LinkedHashMap<>();

        void post(Cause cause, List<Leg> legs) {
            if (events.add(cause.eventId())) {
                postings.add(new Posting(cause, legs));
            }
        }

        void clear() {
            postings.clear();
            events.clear();
            references.clear();
        }
    }

    /** Writes what the current batch holds so far, so that a read of the ledger sees it. */
    private void flushBatch(DSLContext tx) {
        Batch batch = (Batch) tx.configuration().data(BATCH);
        if (batch != null) {
            write(tx, batch);
            batch.clear();
        }
    }

    /**
     * Writes the batch: its transactions (those whose event posted already are skipped by the unique event id), the
     * accounts their legs need, their entries — the database moves each account's balance once for the statement
     * and checks each transaction's balance at commit (V20, V43) — and the references.
     */
    private void write(DSLContext tx, Batch batch) {
        Map<UUID, Long> transactionIds = new HashMap<>();
        for (List<Posting> chunk : chunks(batch.postings)) {
            var insert = tx.insertInto(LEDGER_TRANSACTION, LEDGER_TRANSACTION.EVENT_ID, LEDGER_TRANSACTION.EVENT_TYPE,
                    LEDGER_TRANSACTION.EVENT_POSITION, LEDGER_TRANSACTION.ORDER_ID, LEDGER_TRANSACTION.SUB_ORDER_ID,
                    LEDGER_TRANSACTION.MERCHANT_ID, LEDGER_TRANSACTION.CUSTOMER_ID);
            for (Posting posting : chunk) {
                Cause cause = posting.cause();
                Parties parties = cause.parties();
                insert = insert.values(cause.eventId(), cause.type().wireName(), cause.position(), parties.orderId(),
                        parties.subOrderId(), parties.merchantId(), parties.customerId());
            }
            insert.onConflict(LEDGER_TRANSACTION.EVENT_ID).doNothing()
                    .returning(LEDGER_TRANSACTION.ID, LEDGER_TRANSACTION.EVENT_ID)
                    .fetch().forEach(row -> transactionIds.put(row.getEventId(), row.getId()));
        }
        List<Posting> posted = batch.postings.stream()
                .filter(posting -> transactionIds.containsKey(posting.cause().eventId())).toList();
        Map<AccountKey, Long> accounts = accountIds(tx, posted.stream().flatMap(posting -> posting.legs().stream())
                .map(leg -> new AccountKey(leg.account(), leg.currency())).collect(Collectors.toCollection(TreeSet::new)));
        List<Object[]> entries = new ArrayList<>();
        for (Posting posting : posted) {
            long transactionId = transactionIds.get(posting.cause().eventId());
            posting.legs().stream().sorted(Comparator.comparing(Leg::account).thenComparing(Leg::currency))
                    .forEach(leg -> entries.add(new Object[] {transactionId,
                            accounts.get(new AccountKey(leg.account(), leg.currency())), leg.currency(), leg.amount()}));
        }
        // One statement for all of them when it fits (the entry trigger then runs once).
        for (List<Object[]> chunk : chunks(entries)) {
            var insert = tx.insertInto(LEDGER_ENTRY, LEDGER_ENTRY.TRANSACTION_ID, LEDGER_ENTRY.ACCOUNT_ID,
                    LEDGER_ENTRY.CURRENCY, LEDGER_ENTRY.AMOUNT);
            for (Object[] entry : chunk) {
                insert = insert.values((Long) entry[0], (Long) entry[1], (String) entry[2], (Long) entry[3]);
            }
            insert.execute();
        }
        List<Map.Entry<UUID, String>> references = List.copyOf(batch.references.entrySet());
        for (List<Map.Entry<UUID, String>> chunk : chunks(references)) {
            var insert = tx.insertInto(LEDGER_REFERENCE, LEDGER_REFERENCE.EVENT_ID, LEDGER_REFERENCE.REFERENCE);
            for (Map.Entry<UUID, String> reference : chunk) {
                insert = insert.values(reference.getKey(), reference.getValue());
            }
            insert.onConflict(LEDGER_REFERENCE.EVENT_ID).doNothing().execute();
        }
    }

    private static <T> List<List<T>> chunks(List<T> rows) {
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
            chunks.add(rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT)));
        }
        return chunks;
    }

    private record AccountKey(String name, String currency) implements Comparable<AccountKey> {

        @Override
        public int compareTo(AccountKey other) {
            return Comparator.comparing(AccountKey::name).thenComparing(AccountKey::currency).compare(this, other);
        }
    }

    /** The accounts' ids, created (in name order) where missing: two or three statements for any number. */
    private static Map<AccountKey, Long> accountIds(DSLContext tx, Set<AccountKey> keys) {
        Map<AccountKey, Long> ids = new HashMap<>();
        if (keys.isEmpty()) {
            return ids;
        }
        ids.putAll(existingAccounts(tx, keys));
        List<AccountKey> missing = keys.stream().filter(key -> !ids.containsKey(key)).toList();
        if (!missing.isEmpty()) {
            var insert = tx.insertInto(LEDGER_ACCOUNT, LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.CURRENCY,
                    LEDGER_ACCOUNT.MERCHANT_ID);
            for (AccountKey key : missing) {
                Matcher merchant = MERCHANT_ACCOUNT.matcher(key.name());
                insert = insert.values(key.name(), key.currency(),
                        merchant.matches() ? UUID.fromString(merchant.group(1)) : null);
            }
            insert.onConflict(LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.CURRENCY).doNothing().execute();
            ids.putAll(existingAccounts(tx, Set.copyOf(missing)));
        }
        return ids;
    }

    private static Map<AccountKey, Long> existingAccounts(DSLContext tx, Set<AccountKey> keys) {
        return tx.select(LEDGER_ACCOUNT.ID, LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.CURRENCY).from(LEDGER_ACCOUNT)
                .where(DSL.row(LEDGER_ACCOUNT.NAME, LEDGER_ACCOUNT.CURRENCY)
                        .in(keys.stream().map(key -> DSL.row(key.name(), key.currency())).toList()))
                .fetchMap(row -> new AccountKey(row.value2(), row.value3()), row -> row.value1());
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
