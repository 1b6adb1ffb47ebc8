package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.catalog.VariantForSale;
import dev.marketplace.server.inventory.ReservationRequest;
import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.orders.Order;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.partners.PartnerDirectory;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Idempotency;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import jakarta.json.JsonObjectBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * Leases: a partner holds units of SKUs shared with it, all or nothing, through one inventory reservation; then
 * commits them into a partner order, releases them, or lets them lapse ({@link #lapseDue}, on every node). Every lease
 * that opens updates the partner's holding row last in its transaction, only within the limits, so its limits hold
 * under any concurrency while its lock is held only until the commit; a lease that ends gives its units back on one
 * of the partner's return stripes, which no create waits for (decision 82). Each public method is one transaction.
 */
public final class LeaseService {

    /** The job of {@link #lapseDue}. */
    public static final String LAPSE_JOB = "partners.inventory.lease-lapse";
    /** Who holds leases' reservations: this domain itself, so only it commits or releases them. */
    private static final Principal LEASES = Principal.system("partners.inventory.leases");
    private static final Principal ORDERS_READER = Principal.system("partners.inventory.orders");
    /**
     * How much longer the reservation lives than its lease: the lapse job releases it at the lease's expiry; should
     * it not (a node down), the inventory's own expiry does after this.
     */
    private static final Duration RESERVATION_GRACE = Duration.ofMinutes(5);
    private static final int LAPSE_BATCH = 100;

    /** The configured bounds: the longest hold, and the limits of a partner the operator has not set. */
    public record Settings(Duration maxHold, long defaultMaxUnitsHeld, int defaultMaxOpenLeases) {
    }

    /** A lease with its order once committed. */
    public record LeaseView(Lease lease, Optional<Order> order) {
    }

    /** What a request that ends a lease answers, and whether it is that request sent again, answered as before. */
    public record EndAnswer(LeaseView view, boolean replayed) {
    }

    private final DSLContext dsl;
    private final AssortmentService assortment;
    private final ReservationService reservations;
    private final OrderService orders;
    private final PartnerDirectory partners;
    private final Settings settings;
    private final Clock clock;
    private final PartnerInventoryRepository repository = new PartnerInventoryRepository();

    public LeaseService(DSLContext dsl, AssortmentService assortment, ReservationService reservations,
                        OrderService orders, PartnerDirectory partners, Settings settings, Clock clock) {
        this.dsl = dsl;
        this.partners = partners;
        this.assortment = assortment;
        this.reservations = reservations;
        this.orders = orders;
        this.settings = settings;
        this.clock = clock;
    }

    public Duration maxHold() {
        return settings.maxHold();
    }

    /** A quantity of a variant to hold. */
    public record LineRequest(UUID variantId, long quantity) {
    }

    /**
     * Holds every line or nothing for {@code holdFor}, at the partner prices of the variants shared with the caller:
     * 400 for a line of a variant not shared with it, 409 {@code insufficient_stock} (from the reservation), 409
     * {@code lease_limit_reached} past the partner's units or open leases. The request's key (if any) is kept on the
     * lease, claimed first in its transaction: a resend that finds it is refused ({@code idempotency_request_in_progress})
     * and answered by {@link #createdEarlier}, as is any resend refused for what changed since (decision 90).
     */
    public LeaseView create(Principal partner, List<LineRequest> lines, Duration holdFor,
                            Optional<Idempotency.OwnKey> key) {
        // Only a registered partner leases, and a suspended one takes no new leases (it may still end its own).
        if (!partners.isActive(partner.id())) {
            throw ProblemException.conflict("partner_inactive",
                    "The partner is not registered or is suspended; it cannot take leases.");
        }
        Map<UUID, AssortmentService.Offer> offers = assortment.offers(partner.id(),
                lines.stream().map(LineRequest::variantId).distinct().toList());
        List<FieldError> refused = new ArrayList<>();
        List<Lease.Line> leased = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            AssortmentService.Offer offer = offers.get(lines.get(i).variantId());
            if (offer == null) {
                refused.add(new FieldError("lines/" + i + "/variantId", FieldError.NOT_FOUND,
                        "names no variant shared with the partner"));
            } else {
                VariantForSale variant = offer.variant();
                leased.add(new Lease.Line(variant.variantId(), variant.merchantId(), lines.get(i).quantity(),
                        variant.price()));
            }
        }
        if (refused.isEmpty() && leased.stream().map(line -> line.unitPrice().currency()).distinct().count() > 1) {
            refused.add(new FieldError("lines", FieldError.INVALID_FORMAT, "mixes currencies; lease each apart"));
        }
        if (!refused.isEmpty()) {
            throw ProblemException.validation(refused);
        }
        ReservationRequest stock = new ReservationRequest(leased.stream()
                .map(line -> new ReservationRequest.Line(line.variantId(), line.quantity(), Optional.empty())).toList(),
                holdFor.plus(RESERVATION_GRACE));
        // A sold-out item is refused here, before the partner's lock; the reservation under its locks decides.
        reservations.refuseIfVisiblyShort(stock);
        OffsetDateTime now = OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
        Lease lease = new Lease(UUID.randomUUID(), partner.id(), LeaseStatus.ACTIVE, UUID.randomUUID(), leased,
                now.plus(holdFor), Optional.empty(), now, now);
        // A partner at its limits is refused here, without a lock; the holding row decides at the end.
        PartnerInventoryRepository.Standing standing = repository.standing(dsl, partner.id());
        refuseIfOverLimits(limitsOf(partner.id(), standing), lease.units());
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            // The key first: a duplicate sent while this runs waits for it here, before it locks any stock.
            insertClaimingKey(db, lease, key);
            if (standing.holding().isEmpty()) {
                repository.createHolding(db, partner.id()); // the partner's first lease (no row is ever deleted)
            }
            reservations.reserve(db, LEASES, lease.reservationId(), stock);
            // Last, so the partner's holding row stays locked only from here to the commit: the update counts the
            // lease only while the partner stays within its limits as they are then, against the counts of every
            // committed lease.
            if (!repository.takeHolding(db, partner.id(), lease.units(), settings.defaultMaxUnitsHeld(),
                    settings.defaultMaxOpenLeases())) {
                LeaseLimits held = limitsOf(partner.id(), repository.standing(db, partner.id()));
                throw limitReached(held.openLeases() + 1 > held.maxOpenLeases() ? "open_leases" : "units_held", held);
            }
        });
        return new LeaseView(lease, Optional.empty());
    }

    /** Inserts the lease with its request's key; refused if the partner's lease of that key is kept. */
    private void insertClaimingKey(DSLContext db, Lease lease, Optional<Idempotency.OwnKey> key) {
        if (repository.insertLease(db, lease, key)) {
            return;
        }
        // A key older than keys are kept is free again, as the platform's filter lets its expired keys be used again.
        if (key.isPresent() && repository.forgetCreateKey(db, lease.partnerId(), key.get().key(), keptSince())
                && repository.insertLease(db, lease, key)) {
            return;
        }
        throw ProblemException.requestInProgress();
    }

    /**
     * The answer to the create the partner sent with {@code key}, if that created a lease: the lease as it was created
     * (the first answer, whatever became of it); 422 {@code idempotency_key_reused} if the key came with another request.
     */
    public Optional<LeaseView> createdEarlier(Principal partner, Idempotency.OwnKey key) {
        return repository.createdWith(dsl, partner.id(), key.key(), keptSince()).map(kept -> {
            if (!key.sameRequest(kept.fingerprint())) {
                throw Idempotency.keyReused();
            }
            Lease lease = kept.lease();
            return new LeaseView(new Lease(lease.id(), lease.partnerId(), LeaseStatus.ACTIVE, lease.reservationId(),
                    lease.lines(), lease.expiresAt(), Optional.empty(), lease.createdAt(), lease.createdAt()),
                    Optional.empty());
        });
    }

    /** Keys of lease requests older than this are no longer kept (the platform's retention, on the domain's clock). */
    private OffsetDateTime keptSince() {
        return OffsetDateTime.now(clock).minus(Idempotency.RETENTION);
    }

    /**
     * Whether a request to end {@code lease}, which has ended, is the request that ended it sent again (the same key and
     * fingerprint); the same key with another request is 422 {@code idempotency_key_reused} (decision 90).
     */
    private boolean endedBySameRequest(DSLContext db, Principal partner, Lease lease,
                                       Optional<Idempotency.OwnKey> key) {
        if (key.isEmpty()) {
            return false;
        }
        Optional<byte[]> ended = repository.endedWith(db, partner, lease.id(), key.get().key(), keptSince());
        if (ended.isPresent() && !key.get().sameRequest(ended.get())) {
            throw Idempotency.keyReused();
        }
        return ended.isPresent();
    }

    private static void refuseIfOverLimits(LeaseLimits limits, long units) {
        if (limits.openLeases() + 1 > limits.maxOpenLeases()) {
            throw limitReached("open_leases", limits);
        }
        if (limits.unitsHeld() + units > limits.maxUnitsHeld()) {
            throw limitReached("units_held", limits);
        }
    }

    public LeaseView get(Principal partner, UUID id) {
        Lease lease = repository.findLease(dsl, partner, id, false).orElseThrow(LeaseService::notFound);
        return view(lease);
    }

    /**
     * Commits the lease into a partner order (one sub-order per merchant, paid on the partner's account, its stock
     * sold), in one transaction. Committing again answers the same lease; a released, lapsed or expired one is 409. The
     * request's key (if any) is kept on the lease it commits: the same request again is replayed (decision 90).
     */
    public EndAnswer commit(Principal partner, UUID id, Order.ShippingAddress address,
                            Optional<Idempotency.OwnKey> key) {
        // A lease's lines never change and an ended lease never becomes active again: it is read before the
        // transaction, and so are its variants, so that the transaction needs no other connection.
        Lease seen = repository.findLease(dsl, partner, id, false).orElseThrow(LeaseService::notFound);
        if (seen.status() != LeaseStatus.ACTIVE) {
            return committedOrRefused(partner, seen, key);
        }
        List<OrderService.PartnerLine> lines = partnerLines(seen);
        UUID orderId = UUID.randomUUID();
        LeaseView view = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            // The lease's row lock first (lock order: lease, stock levels, a return stripe), taken by its change itself,
            // which also decides whether it may be committed now.
            Optional<OffsetDateTime> committedAt = repository.commitIfActive(db, partner, id, orderId,
                    OffsetDateTime.now(clock), key);
            if (committedAt.isEmpty()) {
                // Ended meanwhile, or past its expiry: answered after this transaction, as it is now.
                return new LeaseView(repository.findLease(db, partner, id, false).orElseThrow(LeaseService::notFound),
                        Optional.empty());
            }
            Lease done = new Lease(seen.id(), seen.partnerId(), LeaseStatus.COMMITTED, seen.reservationId(),
                    seen.lines(), seen.expiresAt(), Optional.of(orderId), seen.createdAt(), committedAt.get());
            // The partner is told in the order's one insert of events.
            Order order = orders.placePartnerOrder(db, seen.partnerId(), orderId, seen.reservationId(), lines, address,
                    List.of(fact(EventType.LEASE_COMMITTED, done)));
            end(db, done);
            return new LeaseView(done, Optional.of(order));
        });
        return view.order().isPresent() ? new EndAnswer(view, false) : committedOrRefused(partner, view.lease(), key);
    }

    /**
     * What committing an ended lease answers: the commit that ended it sent again, that commit's answer (replayed); else
     * a committed one with its order, any other 409.
     */
    private EndAnswer committedOrRefused(Principal partner, Lease lease, Optional<Idempotency.OwnKey> key) {
        if (endedBySameRequest(dsl, partner, lease, key)) {
            return new EndAnswer(view(lease), true);
        }
        return switch (lease.status()) {
            case COMMITTED -> new EndAnswer(view(lease), false);
            case RELEASED, LAPSED -> throw illegalTransition("commit", lease.status());
            // Still active but past its expiry: the lapse job is about to end it.
            case ACTIVE -> throw illegalTransition("commit", LeaseStatus.LAPSED);
        };
    }

    /**
     * Gives the stock back. Releasing a released or lapsed lease changes nothing; a committed one is 409. The request's
     * key (if any) is kept on the lease it releases: the same request again is replayed (decision 90).
     */
    public EndAnswer release(Principal partner, UUID id, Optional<Idempotency.OwnKey> key) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Lease lease = repository.findLease(db, partner, id, true).orElseThrow(LeaseService::notFound);
            // The release that ended it, sent again: a released lease has no order to read.
            if (lease.status() != LeaseStatus.ACTIVE && endedBySameRequest(db, partner, lease, key)) {
                return new EndAnswer(new LeaseView(lease, Optional.empty()), true);
            }
            return new EndAnswer(new LeaseView(switch (lease.status()) {
                case RELEASED, LAPSED -> lease;
                case COMMITTED -> throw illegalTransition("release", lease.status());
                case ACTIVE -> {
                    reservations.release(db, LEASES, lease.reservationId());
                    Lease done = repository.release(db, lease, key);
                    tellPartner(db, EventType.LEASE_RELEASED, done);
                    end(db, lease);
                    yield done;
                }
            }, Optional.empty()), false);
        });
    }

    /**
     * The lapse job: active leases past their expiry (by the injectable clock) lapse and their stock is released, in
     * batches, until none is left; returns how many lapsed. Safe on every node at once (SKIP LOCKED).
     */
    public int lapseDue() {
        int lapsed = 0;
        while (true) {
            int batch = dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                List<Lease> due = repository.lockDue(db, OffsetDateTime.now(clock), LAPSE_BATCH);
                if (due.isEmpty()) {
                    return 0;
                }
                for (Lease lease : due) {
                    reservations.release(db, LEASES, lease.reservationId());
                }
                DomainEvents.appendAll(db, repository.updateStatuses(db, due, LeaseStatus.LAPSED).stream()
                        .map(lease -> fact(EventType.LEASE_LAPSED, lease)).toList());
                // Given back per partner, in partner order: a batch then takes each partner's stripe in the same order
                // as any other batch, and holds one stripe of a partner as a single end does.
                Map<UUID, List<Lease>> byPartner = new TreeMap<>(due.stream()
                        .collect(Collectors.groupingBy(Lease::partnerId)));
                byPartner.forEach((partnerId, leases) -> repository.giveBack(db, partnerId,
                        leases.stream().mapToLong(Lease::units).sum(), leases.size()));
                return due.size();
            });
            lapsed += batch;
            if (batch < LAPSE_BATCH) {
                return lapsed;
            }
        }
    }

    public LeaseLimits limits(UUID partnerId) {
        return limitsOf(partnerId, repository.standing(dsl, partnerId));
    }

    public LeaseLimits setLimits(UUID partnerId, long maxUnitsHeld, int maxOpenLeases) {
        if (!partners.isRegistered(partnerId)) {
            throw ProblemException.notFound("partner");
        }
        return dsl.transactionResult(tx -> {
            repository.setLimits(tx.dsl(), partnerId, maxUnitsHeld, maxOpenLeases);
            return limitsOf(partnerId, repository.standing(tx.dsl(), partnerId));
        });
    }

    /** The partner's limits (the configured defaults unless the operator set them) and what it holds. */
    private LeaseLimits limitsOf(UUID partnerId, PartnerInventoryRepository.Standing standing) {
        long[] limits = standing.limits()
                .orElse(new long[] {settings.defaultMaxUnitsHeld(), settings.defaultMaxOpenLeases()});
        long[] holding = standing.holding().orElse(new long[2]);
        return new LeaseLimits(partnerId, limits[0], (int) limits[1], holding[0], (int) holding[1]);
    }

    /** The lease's end, for the partner's webhooks (its endpoints only: the payload names it as the owner). */
    private static void tellPartner(DSLContext db, EventType type, Lease lease) {
        DomainEvents.append(db, fact(type, lease));
    }

    private static DomainFact fact(EventType type, Lease lease) {
        JsonObjectBuilder payload = JsonP.JSON.createObjectBuilder().add("leaseId", lease.id().toString())
                .add("status", lease.status().wireName())
                .add("ownerType", PrincipalType.PARTNER.wireName()).add("ownerId", lease.partnerId().toString());
        lease.orderId().ifPresent(order -> payload.add("orderId", order.toString()));
        return new DomainFact(type, type.wireName() + ":" + lease.id(), new Parties(null, null, null, null),
                payload.build());
    }

    /**
     * The lease no longer counts against its partner's limits: given back on a return stripe (last in its
     * transaction, which then holds that stripe to its commit; no create waits for it).
     */
    private void end(DSLContext db, Lease lease) {
        repository.giveBack(db, lease.partnerId(), lease.units(), 1);
    }

    /** The lease's lines as the orders domain sells them: each variant at the lease's price. */
    private List<OrderService.PartnerLine> partnerLines(Lease lease) {
        Map<UUID, VariantForSale> variants = assortment.variants(
                lease.lines().stream().map(Lease.Line::variantId).distinct().toList());
        return lease.lines().stream().map(line -> new OrderService.PartnerLine(
                AssortmentService.atPrice(variants.get(line.variantId()), line.unitPrice()), line.quantity())).toList();
    }

    private LeaseView view(Lease lease) {
        return new LeaseView(lease, lease.orderId().map(orderId -> orders.get(ORDERS_READER, orderId)));
    }

    private static ProblemException limitReached(String limit, LeaseLimits limits) {
        return ProblemException.conflict("lease_limit_reached", "The partner holds as much as its limits allow ("
                        + limits.unitsHeld() + " of " + limits.maxUnitsHeld() + " units, " + limits.openLeases() + " of "
                        + limits.maxOpenLeases() + " open leases); commit or release a lease first.")
                .with("limit", limit);
    }

    private static ProblemException illegalTransition(String action, LeaseStatus status) {
        return ProblemException.conflict("illegal_status_transition",
                        "'" + action + "' is not allowed for a " + status.wireName() + " lease.")
                .with("currentState", status.wireName());
    }

    private static ProblemException notFound() {
        return ProblemException.notFound("lease");
    }
}
