package dev.marketplace.server.partners;

import static dev.marketplace.schema.Tables.PARTNER_EXCHANGE;

import dev.marketplace.schema.tables.records.PartnerExchangeRecord;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.http.Idempotency;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.points.PointsExchange;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.TransactionalCallable;

/**
 * The points exchange in both directions (decision 37). Each public method is its own transactions; the partner's
 * API is called between them, never inside one.
 *
 * <p>Outbound: one transaction checks terms and caps, records the exchange {@code pending} and holds the points;
 * then the partner's credit API is called with the exchange's reference as its idempotency key; then one transaction
 * posts (completed) or releases (failed). An unknown answer leaves it pending, and the job {@value #RECONCILE_JOB}
 * asks the partner by reference until it is one or the other — which also recovers a crash between any two steps.
 * A partner that says it credited after we released gets a compensating exchange (our points taken again, as far
 * as the customer still has them; the rest is the platform's loss in the exchange margin).
 *
 * <p>Inbound: one transaction checks terms and caps and credits; the partner's {@code Idempotency-Key} is the
 * exchange's reference, unique per partner, so a credit is posted once however often it is asked for.
 */
final class Exchanges {

    static final String RECONCILE_JOB = "partners.exchange-reconciliation";
    static final String COMPENSATION = "compensation";
    static final String PENDING = "pending";
    static final String COMPLETED = "completed";
    static final String FAILED = "failed";
    static final String REVERSED = "reversed";

    private final DSLContext dsl;
    private final PartnerRegistry registry;
    private final ExchangeTerms terms;
    private final ExchangeCaps caps;
    private final PointsExchange points;
    private final PartnerApi api;
    private final PartnersSettings settings;
    private final Clock clock;

    Exchanges(DSLContext dsl, PartnerRegistry registry, ExchangeTerms terms, PointsExchange points, PartnerApi api,
              PartnersSettings settings, Clock clock) {
        this.dsl = dsl;
        this.registry = registry;
        this.terms = terms;
        this.caps = new ExchangeCaps();
        this.points = points;
        this.api = api;
        this.settings = settings;
        this.clock = clock;
    }

    OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    String currency() {
        return points.currency();
    }

    // ---- outbound: our points to the partner

    PartnerExchangeRecord outbound(Principal caller, UUID partnerId, long ourPoints) {
        UUID customer = PartnerRegistry.customerOf(caller);
        if (caller.type() == PrincipalType.PARTNER && !caller.id().equals(partnerId)) {
            throw ProblemException.notFound("partner");
        }
        PartnerExchangeRecord exchange = takingPartnerDay(partnerDay -> tx -> {
            DSLContext db = tx.dsl();
            OffsetDateTime now = now();
            registry.active(db, partnerId);
            String member = registry.memberOf(db, partnerId, customer).orElseThrow(() -> ProblemException.conflict(
                    "member_not_linked", "The customer has no member link with this partner."));
            ExchangeTerms.Terms in = terms(db, partnerId, ExchangeTerms.OUTBOUND, now);
            long partnerPoints = checkedConversion(in, ourPoints);
            UUID id = UUID.randomUUID();
            caps.takeCustomer(db, in, customer, ourPoints, now.toLocalDate());
            PartnerExchangeRecord row = insert(db, id, partnerId, ExchangeTerms.OUTBOUND, id.toString(), customer, member,
                    in, ourPoints, partnerPoints, now, null);
            points.hold(db, customer, id, ourPoints, "exchange to partner " + partnerId);
            caps.takePartnerDay(db, in, ourPoints, now.toLocalDate(), partnerDay);
            return row;
        });
        return send(exchange);
    }

    /** Calls the partner's credit API (outside any transaction) and records what it answered. */
    private PartnerExchangeRecord send(PartnerExchangeRecord exchange) {
        PartnerApi.Outcome outcome = api.credit(registry.connection(exchange.getPartnerId()), exchange.getReference(),
                exchange.getMemberId(), exchange.getPartnerPoints());
        return record(exchange.getId(), outcome, "the partner refused the credit");
    }

    private PartnerExchangeRecord record(UUID id, PartnerApi.Outcome outcome, String refusal) {
        return switch (outcome) {
            case CREDITED -> credited(id);
            case REFUSED -> failed(id, refusal);
            case NOT_RECEIVED, UNKNOWN -> scheduleCheck(id);
        };
    }

    /** The partner credited: the hold posts; after a release, a compensating exchange. Repeats change nothing. */
    PartnerExchangeRecord credited(UUID id) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            PartnerExchangeRecord row = lock(db, id);
            if (PENDING.equals(row.getState())) {
                List<PointsExchange.Share> taken = points.post(db, id);
                Money owed = settlement(row);
                DomainEvents.append(db, MoneyMovement.pointsExchangedOut(id.toString(), parties(row),
                        row.getPartnerId(), values(taken), owed));
                return resolve(db, row, COMPLETED, null, EventType.EXCHANGE_COMPLETED);
            }
            if (FAILED.equals(row.getState())) {
                compensate(db, row);
            }
            return row;
        });
    }

    /** The partner refused for good: the held points go back. Repeats, and a refusal after completion, change nothing. */
    PartnerExchangeRecord failed(UUID id, String why) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            PartnerExchangeRecord row = lock(db, id);
            if (!PENDING.equals(row.getState())) {
                return row;
            }
            points.release(db, id, "exchange to partner " + row.getPartnerId() + " failed");
            caps.giveBack(db, row.getPartnerId(), row.getDirection(), row.getCustomerId(), row.getOurPoints(),
                    row.getBusinessDate());
            return resolve(db, row, FAILED, why, EventType.EXCHANGE_FAILED);
        });
    }

    /** The answer is unknown: ask again later, each wait twice the last, up to the longest interval. */
    private PartnerExchangeRecord scheduleCheck(UUID id) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            PartnerExchangeRecord row = lock(db, id);
            if (PENDING.equals(row.getState())) {
                Duration wait = settings.firstCheckAfter().multipliedBy(1L << Math.min(row.getAttempts(), 20));
                if (wait.compareTo(settings.longestCheckInterval()) > 0) {
                    wait = settings.longestCheckInterval();
                }
                row.setAttempts(row.getAttempts() + 1);
                row.setNextCheckAt(now().plus(wait));
                db.update(PARTNER_EXCHANGE).set(PARTNER_EXCHANGE.ATTEMPTS, row.getAttempts())
                        .set(PARTNER_EXCHANGE.NEXT_CHECK_AT, row.getNextCheckAt())
                        .where(PARTNER_EXCHANGE.ID.eq(id)).execute();
            }
            return row;
        });
    }

    /**
     * The reconciliation job: claims due pending exchanges ({@code SKIP LOCKED}, pushing their next check past the
     * call, so another node leaves them alone), asks each partner by reference, and records the answer. A credit the
     * partner never received is sent again (same key) until {@code give-up-after}, then released.
     */
    long reconcile() {
        OffsetDateTime now = now();
        List<PartnerExchangeRecord> due = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            List<PartnerExchangeRecord> rows = db.selectFrom(PARTNER_EXCHANGE).where(PARTNER_EXCHANGE.STATE.eq(PENDING))
                    .and(PARTNER_EXCHANGE.NEXT_CHECK_AT.le(now)).orderBy(PARTNER_EXCHANGE.NEXT_CHECK_AT)
                    .limit(settings.checkBatch()).forUpdate().skipLocked().fetch();
            for (PartnerExchangeRecord row : rows) {
                db.update(PARTNER_EXCHANGE).set(PARTNER_EXCHANGE.NEXT_CHECK_AT, now.plus(settings.longestCheckInterval()))
                        .where(PARTNER_EXCHANGE.ID.eq(row.getId())).execute();
            }
            return rows;
        });
        for (PartnerExchangeRecord row : due) {
            PartnerRegistry.Connection partner = registry.connection(row.getPartnerId());
            PartnerApi.Outcome outcome = api.lookup(partner, row.getReference());
            if (outcome == PartnerApi.Outcome.NOT_RECEIVED) {
                if (row.getCreatedAt().plus(settings.giveUpAfter()).isBefore(now)) {
                    failed(row.getId(), "the partner never received the credit");
                    continue;
                }
                outcome = api.credit(partner, row.getReference(), row.getMemberId(), row.getPartnerPoints());
            }
            record(row.getId(), outcome, "the partner refused the credit");
        }
        return due.size();
    }

    /**
     * The partner's own word on an outbound exchange (its callback): {@code credited} or {@code refused}. Duplicates
     * change nothing; {@code refused} after completion is a 409.
     */
    PartnerExchangeRecord partnerOutcome(Principal caller, String reference, boolean credited) {
        PartnerExchangeRecord row = byReference(caller, ExchangeTerms.OUTBOUND, reference);
        if (credited) {
            return credited(row.getId());
        }
        PartnerExchangeRecord after = failed(row.getId(), "the partner refused the credit");
        if (COMPLETED.equals(after.getState())) {
            throw ProblemException.conflict("exchange_completed", "The partner confirmed this credit before.");
        }
        return after;
    }

    /**
     * The partner credited an exchange we had released: our points are taken again, as many as the customer still
     * has; what is missing is the platform's loss (the margin leg). Once per exchange (a unique index).
     */
    private void compensate(DSLContext db, PartnerExchangeRecord released) {
        if (db.fetchExists(PARTNER_EXCHANGE, PARTNER_EXCHANGE.COMPENSATES.eq(released.getId()))) {
            return;
        }
        OffsetDateTime now = now();
        UUID id = UUID.randomUUID();
        long take = Math.min(released.getOurPoints(), points.available(db, released.getCustomerId()));
        ExchangeTerms.Terms used = terms.byId(db, released.getTermsId());
        PartnerExchangeRecord row = insert(db, id, released.getPartnerId(), COMPENSATION, released.getReference(),
                released.getCustomerId(), released.getMemberId(), used, take, released.getPartnerPoints(), now,
                released.getId());
        List<PointsExchange.Share> taken = List.of();
        if (take > 0) {
            points.hold(db, released.getCustomerId(), id, take, "the partner credited exchange " + released.getId()
                    + " after it was released");
            taken = points.post(db, id);
        }
        DomainEvents.append(db, MoneyMovement.pointsExchangedOut(id.toString(), parties(row), row.getPartnerId(),
                values(taken), settlement(row)));
        long shortfall = released.getOurPoints() - take;
        resolve(db, row, COMPLETED, shortfall == 0 ? null : shortfall + " points written off: the customer no longer had them",
                EventType.EXCHANGE_COMPLETED);
    }

    // ---- inbound: the partner's points to ours

    /** The partner credits its member's points to us; the same key answers the same exchange (replayed = true). */
    record Inbound(PartnerExchangeRecord exchange, boolean replayed) {
    }

    Inbound inbound(Principal caller, String key, String memberId, long partnerPoints) {
        UUID partnerId = partnerOf(caller);
        return takingPartnerDay(partnerDay -> tx -> {
            DSLContext db = tx.dsl();
            Optional<PartnerExchangeRecord> earlier = find(db, partnerId, ExchangeTerms.INBOUND, key);
            if (earlier.isPresent()) {
                return replay(earlier.get(), memberId, partnerPoints);
            }
            OffsetDateTime now = now();
            registry.active(db, partnerId);
            UUID customer = registry.customerOf(db, partnerId, memberId).orElseThrow(() -> ProblemException.conflict(
                    "member_not_linked", "No customer is linked to this member."));
            ExchangeTerms.Terms in = terms(db, partnerId, ExchangeTerms.INBOUND, now);
            long ourPoints = checkedConversion(in, partnerPoints);
            UUID id = UUID.randomUUID();
            // Written completed at once: the whole credit commits or none of it, so no pending row is ever seen.
            PartnerExchangeRecord row = newRow(id, partnerId, ExchangeTerms.INBOUND, key, customer, memberId, in,
                    ourPoints, partnerPoints, now, null);
            row.setState(COMPLETED);
            row.setResolvedAt(now);
            int inserted = db.insertInto(PARTNER_EXCHANGE).set(row).onConflictDoNothing().execute();
            if (inserted == 0) {
                // A concurrent request with the key committed first: answer its exchange.
                return replay(find(db, partnerId, ExchangeTerms.INBOUND, key).orElseThrow(), memberId, partnerPoints);
            }
            caps.takeCustomer(db, in, customer, partnerPoints, now.toLocalDate());
            points.credit(db, customer, id, ourPoints, "exchange_in", "exchange from partner " + partnerId);
            DomainEvents.appendAll(db, List.of(MoneyMovement.pointsExchangedIn(id.toString(), parties(row), partnerId,
                    settlement(row), points.money(ourPoints)), fact(row, EventType.EXCHANGE_COMPLETED)));
            caps.takePartnerDay(db, in, partnerPoints, now.toLocalDate(), partnerDay);
            return new Inbound(row, false);
        });
    }

    private static Inbound replay(PartnerExchangeRecord earlier, String memberId, long partnerPoints) {
        if (!earlier.getMemberId().equals(memberId) || earlier.getPartnerPoints() != partnerPoints) {
            throw Idempotency.keyReused();
        }
        return new Inbound(earlier, true);
    }

    /**
     * The partner takes an inbound credit back, within the reversal window and only while the customer still has
     * every point of it. Reversing again answers the reversed exchange.
     */
    PartnerExchangeRecord reverse(Principal caller, String reference) {
        UUID partnerId = partnerOf(caller);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            PartnerExchangeRecord row = find(db, partnerId, ExchangeTerms.INBOUND, reference)
                    .orElseThrow(() -> ProblemException.notFound("exchange"));
            row = lock(db, row.getId());
            if (REVERSED.equals(row.getState())) {
                return row;
            }
            if (row.getCreatedAt().plus(settings.reversalWindow()).isBefore(now())) {
                throw ProblemException.conflict("reversal_window_passed", "The exchange is older than the reversal window.");
            }
            if (!points.takeBack(db, row.getId(), "exchange from partner " + partnerId + " reversed")) {
                throw ProblemException.conflict("points_already_used",
                        "The customer no longer has every point of this exchange.");
            }
            caps.giveBack(db, partnerId, row.getDirection(), row.getCustomerId(), row.getPartnerPoints(),
                    row.getBusinessDate());
            DomainEvents.append(db, MoneyMovement.pointsExchangeReversed(row.getId().toString(), parties(row), partnerId,
                    settlement(row), points.money(row.getOurPoints())));
            return resolve(db, row, REVERSED, null, EventType.EXCHANGE_REVERSED);
        });
    }

    // ---- reading

    /**
     * An exchange by the reference the partner knows: the operator's any, the partner's own, a customer-bound
     * token's only its customer's (outbound); 404 otherwise.
     */
    PartnerExchangeRecord byReference(Principal caller, String direction, String reference) {
        var query = dsl.selectFrom(PARTNER_EXCHANGE).where(PARTNER_EXCHANGE.DIRECTION.eq(direction))
                .and(PARTNER_EXCHANGE.REFERENCE.eq(reference));
        if (caller.type() == PrincipalType.PARTNER) {
            query = query.and(PARTNER_EXCHANGE.PARTNER_ID.eq(caller.id()));
            if (caller.customerId() != null) {
                query = query.and(PARTNER_EXCHANGE.CUSTOMER_ID.eq(caller.customerId()));
            }
        } else if (!caller.isOperator()) {
            query = query.and(PARTNER_EXCHANGE.CUSTOMER_ID.eq(PartnerRegistry.customerOf(caller)));
        }
        return query.fetchOptional().orElseThrow(() -> ProblemException.notFound("exchange"));
    }

    /** The compensating exchange of an outbound one, if the partner credited it after we released. */
    Optional<PartnerExchangeRecord> compensationOf(UUID exchangeId) {
        return dsl.selectFrom(PARTNER_EXCHANGE).where(PARTNER_EXCHANGE.COMPENSATES.eq(exchangeId)).fetchOptional();
    }

    // ---- helpers

    /**
     * Runs a transaction that takes from the partner's daily cap last: with one stripe, and when that one could not take
     * it, once more from the start with every stripe (a fresh transaction holds no stripe when it locks them all).
     */
    private <T> T takingPartnerDay(Function<ExchangeCaps.PartnerDay, TransactionalCallable<T>> work) {
        try {
            return dsl.transactionResult(work.apply(ExchangeCaps.PartnerDay.ONE_STRIPE));
        } catch (ExchangeCaps.StripeWithoutRoom stripeWithoutRoom) {
            return dsl.transactionResult(work.apply(ExchangeCaps.PartnerDay.ALL_STRIPES));
        }
    }

    private static UUID partnerOf(Principal caller) {
        if (caller.type() != PrincipalType.PARTNER || caller.customerId() != null) {
            throw ProblemException.forbidden("Only a partner's own client token exchanges its points in.");
        }
        return caller.id();
    }

    private ExchangeTerms.Terms terms(DSLContext db, UUID partner, String direction, OffsetDateTime now) {
        return terms.inForce(db, partner, direction, now).orElseThrow(() -> ProblemException.conflict(
                "no_exchange_terms", "No " + direction + " exchange terms are in force with this partner."));
    }

    /** The points received for {@code given} under the terms; 409 below the minimum, off the step, or worth nothing. */
    private static long checkedConversion(ExchangeTerms.Terms terms, long given) {
        if (given < terms.minimum()) {
            throw ProblemException.conflict("exchange_below_minimum",
                    "At least " + terms.minimum() + " points are exchanged at a time.").with("minimum", terms.minimum());
        }
        if (given % terms.step() != 0) {
            throw ProblemException.conflict("exchange_off_step",
                    "Points are exchanged in steps of " + terms.step() + ".").with("step", terms.step());
        }
        long received = terms.convert(given);
        if (received == 0) {
            throw ProblemException.conflict("exchange_below_minimum",
                    "So few points convert to none.").with("minimum", terms.minimum());
        }
        return received;
    }

    private static Optional<PartnerExchangeRecord> find(DSLContext db, UUID partner, String direction, String reference) {
        return db.selectFrom(PARTNER_EXCHANGE).where(PARTNER_EXCHANGE.PARTNER_ID.eq(partner))
                .and(PARTNER_EXCHANGE.DIRECTION.eq(direction)).and(PARTNER_EXCHANGE.REFERENCE.eq(reference))
                .fetchOptional();
    }

    private static PartnerExchangeRecord lock(DSLContext db, UUID id) {
        return db.selectFrom(PARTNER_EXCHANGE).where(PARTNER_EXCHANGE.ID.eq(id)).forUpdate().fetchSingle();
    }

    private PartnerExchangeRecord insert(DSLContext db, UUID id, UUID partner, String direction, String reference,
                                         UUID customer, String member, ExchangeTerms.Terms in, long ourPoints,
                                         long partnerPoints, OffsetDateTime now, UUID compensates) {
        PartnerExchangeRecord row = newRow(id, partner, direction, reference, customer, member, in, ourPoints,
                partnerPoints, now, compensates);
        db.insertInto(PARTNER_EXCHANGE).set(row).execute();
        return row;
    }

    private PartnerExchangeRecord newRow(UUID id, UUID partner, String direction, String reference, UUID customer,
                                         String member, ExchangeTerms.Terms in, long ourPoints, long partnerPoints,
                                         OffsetDateTime now, UUID compensates) {
        PartnerExchangeRecord row = new PartnerExchangeRecord();
        row.setId(id);
        row.setPartnerId(partner);
        row.setDirection(direction);
        row.setReference(reference);
        row.setCustomerId(customer);
        row.setMemberId(member);
        row.setTermsId(in.id());
        row.setOurPoints(ourPoints);
        row.setPartnerPoints(partnerPoints);
        row.setSettlementAmount(Math.multiplyExact(partnerPoints, in.settlementPrice()));
        row.setCurrency(in.currency());
        row.setState(PENDING);
        row.setAttempts(0);
        row.setNextCheckAt(ExchangeTerms.OUTBOUND.equals(direction) ? now.plus(settings.firstCheckAfter()) : null);
        row.setBusinessDate(now.toLocalDate());
        row.setCreatedAt(now);
        row.setCompensates(compensates);
        return row;
    }

    /** The row's new state, with its webhook fact, in the caller's transaction. */
    private PartnerExchangeRecord resolve(DSLContext db, PartnerExchangeRecord row, String state, String failure,
                                          EventType fact) {
        OffsetDateTime now = now();
        db.update(PARTNER_EXCHANGE).set(PARTNER_EXCHANGE.STATE, state).set(PARTNER_EXCHANGE.FAILURE, failure)
                .set(PARTNER_EXCHANGE.RESOLVED_AT, now).setNull(PARTNER_EXCHANGE.NEXT_CHECK_AT)
                .where(PARTNER_EXCHANGE.ID.eq(row.getId())).execute();
        row.setState(state);
        row.setFailure(failure);
        row.setResolvedAt(now);
        row.setNextCheckAt(null);
        announce(db, row, fact);
        return row;
    }

    /** The exchange's webhook fact (its state as the row has it), in the caller's transaction. */
    private static void announce(DSLContext db, PartnerExchangeRecord row, EventType fact) {
        DomainEvents.append(db, fact(row, fact));
    }

    private static DomainFact fact(PartnerExchangeRecord row, EventType fact) {
        return new DomainFact(fact, fact.wireName() + ":" + row.getId(), parties(row),
                JsonP.JSON.createObjectBuilder()
                        .add("exchangeId", row.getId().toString())
                        .add("partnerId", row.getPartnerId().toString())
                        .add("direction", row.getDirection())
                        .add("reference", row.getReference())
                        .add("memberId", row.getMemberId())
                        .add("points", row.getOurPoints())
                        .add("partnerPoints", row.getPartnerPoints())
                        .add("state", row.getState())
                        .add("ownerType", PrincipalType.PARTNER.wireName())
                        .add("ownerId", row.getPartnerId().toString())
                        .build());
    }

    private static Parties parties(PartnerExchangeRecord row) {
        return new Parties(null, null, null, row.getCustomerId());
    }

    private static Money settlement(PartnerExchangeRecord row) {
        return Money.of(row.getSettlementAmount(), row.getCurrency());
    }

    private List<MoneyMovement.FunderValue> values(List<PointsExchange.Share> taken) {
        return taken.stream().map(share -> new MoneyMovement.FunderValue(share.merchantFunder(),
                points.money(share.points()))).toList();
    }

    static LocalDate monthStart(LocalDate day) {
        return day.withDayOfMonth(1);
    }
}
