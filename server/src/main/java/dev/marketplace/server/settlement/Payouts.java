package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_ENTRY;
import static dev.marketplace.schema.Tables.LEDGER_REFERENCE;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static dev.marketplace.schema.Tables.PAYOUT;

import dev.marketplace.schema.tables.records.LedgerAccountRecord;
import dev.marketplace.schema.tables.records.PayoutRecord;
import dev.marketplace.server.platform.crash.CrashPoints;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Payouts (decision 32): the run pays each payee — a merchant, or a sales channel (decision 43) — whose available
 * balance in a currency reaches the minimum, in two phases through the {@link PayoutProvider}. Initiating (row and
 * {@code payout_initiated} event) commits first; the provider is called outside any transaction with the key
 * {@code payout:{id}}; its outcome is recorded in a transaction of its own ({@code payout_paid} or
 * {@code payout_failed}, once: only from {@code initiated}). A payout whose outcome stayed unknown — no answer, a
 * pending answer, a node that died after initiating — is asked about by the reconciliation job, which sends it again
 * with the same key when the provider never received it.
 *
 * <p>Available: what the merchant is owed ({@code −balance} of {@code merchant_payable:{m}}) less what escrow released
 * to it (net of that release's commission) within the hold period; everything else (refunds, fees, adjustments,
 * payouts) counts at once, so a negative balance is carried forward until releases cover it. A channel's
 * ({@code channel_payable:{c}}) likewise: owed less the shares accrued to it within the hold period.
 */
final class Payouts {

    static final String RUN_JOB = "settlement.payout-run";
    static final String RECONCILIATION_JOB = "settlement.payout-reconciliation";

    private static final String INITIATED = "initiated";
    private static final String PAID = "paid";
    private static final String FAILED = "failed";
    private static final String PAYABLE_PREFIX = "merchant_payable:";
    /**
     * The ledger events whose money waits out the hold period before it can be paid out: a release with what it is
     * charged (commission, a merchant-funded channel share), and a channel's share.
     */
    private static final List<String> HELD_EVENTS = List.of(EventType.ESCROW_RELEASED.wireName(),
            EventType.COMMISSION_ACCRUED.wireName(), EventType.CHANNEL_SHARE_ACCRUED.wireName());

    /**
     * {@code settlement.payouts.*}: {@code hold} (T+7: PT168H), {@code minimum.<CURRENCY>} in minor units with
     * {@code minimum.default} for the others, {@code reconcile.after}: how long a payout without an outcome waits
     * before the provider is asked again.
     */
    record Settings(Duration hold, Map<String, Long> minimums, long defaultMinimum, Duration reconcileAfter) {

        static Settings from(Config payouts) {
            Map<String, Long> minimums = payouts.get("minimum").detach().asMap().orElse(Map.of()).entrySet().stream()
                    .filter(entry -> !entry.getKey().equals("default"))
                    .collect(Collectors.toMap(Map.Entry::getKey, entry -> Long.parseLong(entry.getValue())));
            return new Settings(payouts.get("hold").as(Duration.class).get(), minimums,
                    payouts.get("minimum.default").asLong().get(), payouts.get("reconcile.after").as(Duration.class).get());
        }

        long minimum(String currency) {
            return minimums.getOrDefault(currency, defaultMinimum);
        }
    }

    /** A payout as clients see it: of a merchant or of a channel (the other null). */
    record Payout(UUID id, UUID merchantId, UUID channelId, Money amount, String status, String failureCode,
                  OffsetDateTime initiatedAt, OffsetDateTime settledAt) {
    }

    /** Whom a payable's money is paid to: its merchant, or the channel named in its account. */
    private record Payee(UUID merchantId, UUID channelId) {

        static Payee of(LedgerAccountRecord payable) {
            return payable.getMerchantId() != null ? new Payee(payable.getMerchantId(), null)
                    : new Payee(null, UUID.fromString(payable.getName()
                            .substring(SettlementMovements.CHANNEL_PAYABLE.length())));
        }

        static Payee of(PayoutRecord payout) {
            return new Payee(payout.getMerchantId(), payout.getChannelId());
        }

        /** The provider's beneficiary: the payee's bank account on file there is under this id. */
        UUID id() {
            return merchantId != null ? merchantId : channelId;
        }

        Condition matches(Field<UUID> merchant, Field<UUID> channel) {
            return merchantId != null ? merchant.eq(merchantId) : channel.eq(channelId);
        }

        MoneyMovement initiated(UUID payoutId, Money amount) {
            return merchantId != null ? MoneyMovement.payoutInitiated(payoutId, merchantId, amount)
                    : SettlementMovements.channelPayoutInitiated(payoutId, channelId, amount);
        }

        MoneyMovement paid(UUID payoutId, Money amount) {
            return merchantId != null ? MoneyMovement.payoutPaid(payoutId, merchantId, amount)
                    : SettlementMovements.channelPayoutPaid(payoutId, channelId, amount);
        }

        MoneyMovement failed(UUID payoutId, Money amount) {
            return merchantId != null ? MoneyMovement.payoutFailed(payoutId, merchantId, amount)
                    : SettlementMovements.channelPayoutFailed(payoutId, channelId, amount);
        }
    }

    private final DSLContext dsl;
    private final PayoutProvider provider;
    private final Settings settings;
    private final Clock clock;

    Payouts(DSLContext dsl, PayoutProvider provider, Settings settings, Clock clock) {
        this.dsl = dsl;
        this.provider = provider;
        this.settings = settings;
        this.clock = clock;
    }

    static String idempotencyKey(UUID payoutId) {
        return "payout:" + payoutId;
    }

    /** The payout run (safe on several nodes: each payee's account is locked while a payout is decided). */
    long run() {
        List<Long> payables = dsl.select(LEDGER_ACCOUNT.ID).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.startsWith(PAYABLE_PREFIX)
                        .or(LEDGER_ACCOUNT.NAME.startsWith(SettlementMovements.CHANNEL_PAYABLE)))
                .orderBy(LEDGER_ACCOUNT.ID)
                .fetch(LEDGER_ACCOUNT.ID);
        long initiated = 0;
        for (long account : payables) {
            Optional<PayoutRecord> payout = initiate(account);
            if (payout.isPresent()) {
                send(payout.get());
                initiated++;
            }
        }
        return initiated;
    }

    /**
     * In one transaction, with the payee's payable locked: a payout of its available balance if that reaches the
     * minimum and the ledger has posted the outcome of its previous payout (one in flight at a time, and never on a
     * balance the ledger has not caught up with).
     */
    private Optional<PayoutRecord> initiate(long accountId) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            var account = db.selectFrom(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ID.eq(accountId)).forUpdate().fetchSingle();
            Payee payee = Payee.of(account);
            String currency = account.getCurrency();
            if (hasPayoutInFlight(db, payee, currency)) {
                return Optional.<PayoutRecord>empty();
            }
            long available = available(db, accountId, account.getBalance());
            if (available <= 0 || available < settings.minimum(currency)) {
                return Optional.<PayoutRecord>empty();
            }
            OffsetDateTime now = now();
            PayoutRecord payout = db.newRecord(PAYOUT);
            payout.setId(UUID.randomUUID());
            payout.setMerchantId(payee.merchantId());
            payout.setChannelId(payee.channelId());
            payout.setCurrency(currency);
            payout.setAmount(available);
            payout.setStatus(INITIATED);
            payout.setProvider(provider.name());
            payout.setInitiatedAt(now);
            payout.setAttemptedAt(now);
            payout.insert();
            DomainEvents.append(db, payee.initiated(payout.getId(), Money.of(available, currency)));
            return Optional.of(payout);
        });
    }

    /** An initiated payout, or a settled one whose outcome the ledger has not posted yet. */
    private static boolean hasPayoutInFlight(DSLContext db, Payee payee, String currency) {
        Field<String> outcome = DSL.concat(DSL.when(PAYOUT.STATUS.eq(PAID), DSL.inline("payout_paid:"))
                .otherwise(DSL.inline("payout_failed:")), PAYOUT.ID.cast(SQLDataType.VARCHAR));
        return db.fetchExists(PAYOUT, payee.matches(PAYOUT.MERCHANT_ID, PAYOUT.CHANNEL_ID).and(PAYOUT.CURRENCY.eq(currency))
                .and(PAYOUT.STATUS.eq(INITIATED).or(DSL.notExists(DSL.selectOne().from(LEDGER_REFERENCE)
                        .where(LEDGER_REFERENCE.REFERENCE.eq(outcome))))));
    }

    /** What may be paid out now: owed less what was released within the hold period. */
    private long available(DSLContext db, long accountId, long balance) {
        OffsetDateTime heldSince = now().minus(settings.hold());
        Long held = db.select(DSL.sum(LEDGER_ENTRY.AMOUNT).cast(SQLDataType.BIGINT))
                .from(LEDGER_ENTRY).join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.ID.eq(LEDGER_ENTRY.TRANSACTION_ID))
                .where(LEDGER_ENTRY.ACCOUNT_ID.eq(accountId))
                .and(LEDGER_TRANSACTION.EVENT_TYPE.in(HELD_EVENTS))
                .and(LEDGER_TRANSACTION.POSTED_AT.gt(heldSince))
                .fetchOne(0, Long.class);
        return Math.subtractExact(held == null ? 0 : held, balance);
    }

    /** Outside any transaction: the provider call, then its outcome recorded (an unknown one is left to reconcile). */
    private void send(PayoutRecord payout) {
        ProviderOutcome outcome;
        try {
            outcome = ProviderOutcome.of(provider.pay(new PayoutProvider.PayoutRequest(idempotencyKey(payout.getId()),
                    Payee.of(payout).id(), Money.of(payout.getAmount(), payout.getCurrency()), payout.getId().toString())));
            CrashPoints.reached(CrashPoints.PAYOUT_SENT);
        } catch (PayoutProviderException e) {
            if (e.outcomeUnknown()) {
                return;
            }
            outcome = new ProviderOutcome(null, FAILED, e.code()); // refused: nothing was paid
        }
        record(payout.getId(), outcome);
    }

    /**
     * The reconciliation job: payouts initiated and not settled for {@code reconcile.after} since their last attempt
     * are claimed (SKIP LOCKED, the attempt moved to now, so another node leaves them alone) and the provider asked by
     * their key; one the provider never received is sent again with the same key.
     */
    long reconcile() {
        OffsetDateTime now = now();
        List<PayoutRecord> due = dsl.transactionResult(tx -> {
            List<PayoutRecord> claimed = tx.dsl().selectFrom(PAYOUT)
                    .where(PAYOUT.STATUS.eq(INITIATED))
                    .and(PAYOUT.ATTEMPTED_AT.le(now.minus(settings.reconcileAfter())))
                    .orderBy(PAYOUT.ATTEMPTED_AT).limit(100)
                    .forUpdate().skipLocked()
                    .fetch();
            claimed.forEach(payout -> tx.dsl().update(PAYOUT).set(PAYOUT.ATTEMPTED_AT, now)
                    .where(PAYOUT.ID.eq(payout.getId())).execute());
            return claimed;
        });
        long settled = 0;
        for (PayoutRecord payout : due) {
            try {
                Optional<PayoutProvider.ProviderPayout> found = provider.findByIdempotencyKey(idempotencyKey(payout.getId()));
                if (found.isEmpty()) {
                    send(payout);
                } else {
                    record(payout.getId(), ProviderOutcome.of(found.get()));
                }
                settled++;
            } catch (PayoutProviderException e) {
                // Still unknown (the provider unreachable): asked again after reconcile.after.
            }
        }
        return settled;
    }

    private record ProviderOutcome(String providerPayoutId, String status, String failureCode) {

        static ProviderOutcome of(PayoutProvider.ProviderPayout payout) {
            return new ProviderOutcome(payout.id(), switch (payout.status()) {
                case PENDING -> INITIATED;
                case PAID -> PAID;
                case FAILED -> FAILED;
            }, payout.failureCode());
        }
    }

    /** The provider's outcome, once: only an initiated payout settles, with its money event in the same transaction. */
    private void record(UUID payoutId, ProviderOutcome outcome) {
        if (outcome.status().equals(INITIATED)) {
            if (outcome.providerPayoutId() != null) {
                dsl.update(PAYOUT).set(PAYOUT.PROVIDER_PAYOUT_ID, outcome.providerPayoutId())
                        .where(PAYOUT.ID.eq(payoutId)).and(PAYOUT.STATUS.eq(INITIATED)).execute();
            }
            return; // pending at the provider: the reconciliation asks again
        }
        dsl.transaction(tx -> {
            Optional<PayoutRecord> settled = tx.dsl().update(PAYOUT)
                    .set(PAYOUT.STATUS, outcome.status())
                    .set(PAYOUT.PROVIDER_PAYOUT_ID, DSL.coalesce(DSL.val(outcome.providerPayoutId()), PAYOUT.PROVIDER_PAYOUT_ID))
                    .set(PAYOUT.FAILURE_CODE, outcome.status().equals(FAILED) ? outcome.failureCode() : null)
                    .set(PAYOUT.SETTLED_AT, now())
                    .where(PAYOUT.ID.eq(payoutId)).and(PAYOUT.STATUS.eq(INITIATED))
                    .returning().fetchOptional();
            settled.ifPresent(payout -> {
                Money amount = Money.of(payout.getAmount(), payout.getCurrency());
                Payee payee = Payee.of(payout);
                DomainEvents.append(tx.dsl(), payout.getStatus().equals(PAID)
                        ? payee.paid(payout.getId(), amount) : payee.failed(payout.getId(), amount));
            });
        });
    }

    /** The payouts the viewer may see (a merchant its own; channels' the operator only), newest first. */
    Page<Payout> list(Principal viewer, Optional<UUID> merchant, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(PAYOUT.INITIATED_AT, PAYOUT.ID).lt(OffsetDateTime.parse(cursor.keys().get(0)),
                        UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        List<Payout> rows = dsl.selectFrom(PAYOUT)
                .where(Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), PAYOUT.MERCHANT_ID))
                .and(merchant.map(PAYOUT.MERCHANT_ID::eq).orElse(DSL.noCondition()))
                .and(after)
                .orderBy(PAYOUT.INITIATED_AT.desc(), PAYOUT.ID.desc()).limit(page.fetchSize())
                .fetch(Payouts::payout);
        return Page.fromLookahead(rows, page.limit(),
                payout -> Cursor.of(payout.initiatedAt().toString(), payout.id().toString()));
    }

    Optional<Payout> find(Principal viewer, UUID id) {
        return dsl.selectFrom(PAYOUT).where(PAYOUT.ID.eq(id))
                .and(Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), PAYOUT.MERCHANT_ID))
                .fetchOptional(Payouts::payout);
    }

    private static Payout payout(PayoutRecord row) {
        return new Payout(row.getId(), row.getMerchantId(), row.getChannelId(), Money.of(row.getAmount(), row.getCurrency()),
                row.getStatus(), row.getFailureCode(), row.getInitiatedAt(), row.getSettledAt());
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
