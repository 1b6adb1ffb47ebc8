package dev.marketplace.server.inventory;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.Principal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * Reservations of stock for checkouts: all lines or none, then committed (sold), released, or expired by
 * {@link #releaseExpired}. The levels involved are locked ({@code SELECT … FOR UPDATE} in {@link StockKey} order)
 * before anything is decided, so concurrent reservations queue per level instead of overselling, and the CHECK
 * {@code reserved <= on_hand} refuses whatever slipped through. Each public method is one transaction.
 */
public final class ReservationService {

    /** How many expired reservations one transaction of the expiry job releases. */
    /** The job of {@link #releaseExpired}. */
    public static final String EXPIRY_JOB = "inventory.reservation-expiry";
    private static final int EXPIRY_BATCH = 100;

    private final DSLContext dsl;
    private final ProductService products;
    private final InventoryRepository repository = new InventoryRepository();
    private final SoldOutVariants soldOut;

    ReservationService(DSLContext dsl, ProductService products, SoldOutVariants soldOut) {
        this.dsl = dsl;
        this.products = products;
        this.soldOut = soldOut;
    }

    /** Runs {@code whenMarked} each time this node marks a variant sold out (checkouts waiting may be refused by it). */
    public void whenMarkedSoldOut(Runnable whenMarked) {
        soldOut.whenMarked(whenMarked);
    }

    /**
     * Reserves every line or nothing (409 {@code insufficient_stock} naming the lines that cannot be covered). A
     * line without a location takes the location of its variant with the most stock available that covers it whole.
     */
    public Reservation reserve(Principal caller, ReservationRequest request) {
        List<ReservationRequest.Line> lines = request.lines();
        Map<UUID, UUID> known = products.merchantsOfVariants(
                lines.stream().map(ReservationRequest.Line::variantId).collect(Collectors.toSet()));
        List<FieldError> unknown = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!known.containsKey(lines.get(i).variantId())) {
                unknown.add(new FieldError("lines/" + i + "/variantId", FieldError.NOT_FOUND, "names no existing variant"));
            }
        }
        if (!unknown.isEmpty()) {
            throw ProblemException.validation(unknown);
        }
        return dsl.transactionResult(tx -> reserve(tx.dsl(), caller, UUID.randomUUID(), request));
    }

    /**
     * {@link #reserve(Principal, ReservationRequest)} in the caller's transaction, under an id the caller chose, of
     * variants the caller knows exist (checkout writes its order and the reservation together). The levels stay
     * locked until the caller's transaction ends.
     */
    public Reservation reserve(DSLContext db, Principal caller, UUID reservationId, ReservationRequest request) {
        List<ReservationRequest.Line> lines = request.lines();
        LockedLevels locked = repository.lockVariants(db,
                lines.stream().map(ReservationRequest.Line::variantId).collect(Collectors.toSet()));
        Map<StockKey, StockLevel> before = locked.levels();
        Map<StockKey, StockLevel> levels = new HashMap<>(before);
        Map<StockKey, StockLevel> changed = new HashMap<>();
        List<Reservation.Line> allocated = new ArrayList<>();
        List<Integer> unavailable = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            ReservationRequest.Line line = lines.get(i);
            Optional<StockLevel> source = sourceFor(line, levels);
            if (source.isEmpty()) {
                unavailable.add(i);
                continue;
            }
            StockLevel level = source.get();
            StockLevel after = level.withCounts(level.onHand(), level.reserved() + line.quantity());
            levels.put(after.key(), after);
            changed.put(after.key(), after);
            allocated.add(new Reservation.Line(line.variantId(), level.locationId(), line.quantity()));
        }
        if (!unavailable.isEmpty()) {
            throw insufficientStock(unavailable);
        }
        // The levels written back with the reservation and its lines in one statement: the locks taken above are
        // held one round trip less (decision 87).
        Reservation reservation = repository.insertReservation(db, reservationId, caller, allocated,
                request.holdFor(), changed.values(), locked);
        saved(db, before, changed);
        return reservation;
    }

    /**
     * Refuses (409 {@code insufficient_stock}, as {@link #reserve} would) when, as committed now, no location of some
     * line's variant has its quantity available: one read, no lock and no transaction, so the refusals of a
     * sold-out item cost little. Passing it decides nothing; the reservation, under its locks, does.
     */
    public void refuseIfVisiblyShort(ReservationRequest request) {
        refuseIfKnownSoldOut(request);
        List<ReservationRequest.Line> lines = request.lines();
        List<UUID> variants = lines.stream().map(ReservationRequest.Line::variantId).distinct().toList();
        long readBegan = soldOut.beforeReading();
        Map<UUID, Long> available = repository.mostAvailableAtOneLocation(dsl, variants);
        for (UUID variant : variants) {
            if (available.getOrDefault(variant, 0L) <= 0) {
                soldOut.found(variant, readBegan);
            }
        }
        List<Integer> unavailable = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (available.getOrDefault(lines.get(i).variantId(), 0L) < lines.get(i).quantity()) {
                unavailable.add(i);
            }
        }
        if (!unavailable.isEmpty()) {
            throw insufficientStock(unavailable);
        }
    }

    /**
     * Refuses (409 {@code insufficient_stock} naming those lines) when some line's variant is known sold out on this
     * node (decision 70): from memory, no statement at all, so a flash sale's refusals after the last unit cost the
     * database nothing. Passing it decides nothing.
     */
    public void refuseIfKnownSoldOut(ReservationRequest request) {
        refuseIfKnownSoldOut(request, markedAt -> true);
    }

    /**
     * {@link #refuseIfKnownSoldOut(ReservationRequest)} by the marks whose time ({@link System#nanoTime()}, set after
     * the read that found the variant sold out) passes {@code usable}: for a caller that must know that changes
     * committed before that read have reached it too (decision 79).
     */
    public void refuseIfKnownSoldOut(ReservationRequest request, LongPredicate usable) {
        List<ReservationRequest.Line> lines = request.lines();
        Set<UUID> knownSoldOut = soldOut.among(lines.stream().map(ReservationRequest.Line::variantId).toList(), usable);
        if (knownSoldOut.isEmpty()) {
            return;
        }
        List<Integer> unavailable = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (knownSoldOut.contains(lines.get(i).variantId())) {
                unavailable.add(i);
            }
        }
        soldOut.refusedFromMemory();
        throw insufficientStock(unavailable);
    }

    private static ProblemException insufficientStock(List<Integer> unavailableLines) {
        return ProblemException.conflict("insufficient_stock",
                        "Not enough stock is available for every line; nothing was reserved.")
                .with("unavailableLines", unavailableLines);
    }

    public Reservation get(Principal caller, UUID id) {
        return repository.findReservation(dsl, caller, id, false).orElseThrow(ReservationService::notFound);
    }

    /** Gives the stock back; releasing again, or after expiry, changes nothing. */
    public Reservation release(Principal caller, UUID id) {
        return dsl.transactionResult(tx -> release(tx.dsl(), caller, id));
    }

    /** {@link #release(Principal, UUID)} in the caller's transaction (a partner's lease ends with its reservation). */
    public Reservation release(DSLContext db, Principal caller, UUID id) {
        Reservation reservation = repository.findReservation(db, caller, id, true)
                .orElseThrow(ReservationService::notFound);
        return switch (reservation.status()) {
            case RELEASED, EXPIRED -> reservation;
            case COMMITTED -> throw illegalTransition("release", reservation);
            case ACTIVE -> finish(db, List.of(reservation), ReservationStatus.RELEASED, StockChangeReason.RELEASED,
                    (level, quantity) -> level.withCounts(level.onHand(), level.reserved() - quantity)).getFirst();
        };
    }

    /**
     * Sells the reserved stock: {@code onHand} and {@code reserved} both drop by the quantities. Committing again
     * changes nothing; a reservation past its expiry can no longer be committed, even before the job released it.
     */
    public Reservation commit(Principal caller, UUID id) {
        return dsl.transactionResult(tx -> commit(tx.dsl(), caller, id));
    }

    /**
     * {@link #commit(Principal, UUID)} in the caller's transaction (a partner order is placed and its lease's stock
     * sold together); the levels stay locked until the caller's transaction ends.
     */
    public Reservation commit(DSLContext db, Principal caller, UUID id) {
        // The usual case: the reservation marked sold and its lines read by one statement, then its levels.
        Optional<Reservation> committed = repository.commitIfActive(db, caller, id);
        if (committed.isPresent()) {
            applyToLevels(db, committed.get().lines(), StockChangeReason.COMMITTED,
                    (level, quantity) -> level.withCounts(level.onHand() - quantity, level.reserved() - quantity));
            return committed.get();
        }
        Reservation reservation = repository.findReservation(db, caller, id, true)
                .orElseThrow(ReservationService::notFound);
        return switch (reservation.status()) {
            case COMMITTED -> reservation;
            case RELEASED, EXPIRED -> throw illegalTransition("commit", reservation);
            // Active, yet not committed above: its expiry has passed, and the expiry job is about to release it.
            case ACTIVE -> throw ProblemException.conflict("illegal_status_transition",
                            "The reservation has expired; its stock is being released.")
                    .with("currentState", ReservationStatus.EXPIRED.wireName());
        };
    }

    /**
     * In the caller's transaction: the units a committed reservation took of these variants go back on hand at the
     * locations they were taken from (a paid sub-order refused or cancelled). The caller's state change in the same
     * transaction makes sure it happens once; a crash loses neither the one nor the other.
     */
    public void returnToStock(DSLContext db, Principal caller, UUID reservationId, Set<UUID> variantIds) {
        Reservation reservation = repository.findReservation(db, caller, reservationId, true)
                .orElseThrow(ReservationService::notFound);
        if (reservation.status() != ReservationStatus.COMMITTED) {
            throw illegalTransition("return to stock", reservation);
        }
        List<Reservation.Line> lines = reservation.lines().stream()
                .filter(line -> variantIds.contains(line.variantId())).toList();
        if (!lines.isEmpty()) {
            applyToLevels(db, lines, StockChangeReason.RESTOCKED,
                    (level, quantity) -> level.withCounts(level.onHand() + quantity, level.reserved()));
        }
    }

    /**
     * The expiry job: releases active reservations past their expiry, in batches, until none is left; returns how
     * many it released. Safe on every node at once: each batch skips reservations another node has locked.
     */
    public int releaseExpired() {
        int released = 0;
        while (true) {
            int batch = dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                List<Reservation> expired = repository.lockExpiredReservations(db, EXPIRY_BATCH);
                if (!expired.isEmpty()) {
                    finish(db, expired, ReservationStatus.EXPIRED, StockChangeReason.RELEASED,
                            (level, quantity) -> level.withCounts(level.onHand(), level.reserved() - quantity));
                }
                return expired.size();
            });
            released += batch;
            if (batch < EXPIRY_BATCH) {
                return released;
            }
        }
    }

    /** Ends active reservations: {@code change} applied to their lines' levels, and their status set. */
    private List<Reservation> finish(DSLContext db, List<Reservation> reservations, ReservationStatus status,
                                     StockChangeReason reason, BiFunction<StockLevel, Long, StockLevel> change) {
        applyToLevels(db, reservations.stream().flatMap(r -> r.lines().stream()).toList(), reason, change);
        return reservations.stream().map(r -> repository.updateReservationStatus(db, r, status)).toList();
    }

    /** Locks the lines' levels, applies {@code change} (level, quantity) for each line, and saves them. */
    private void applyToLevels(DSLContext db, List<Reservation.Line> lines, StockChangeReason reason,
                               BiFunction<StockLevel, Long, StockLevel> change) {
        LockedLevels locked = repository.lockLevels(db,
                lines.stream().map(Reservation.Line::key).distinct().toList());
        Map<StockKey, StockLevel> levels = new HashMap<>(locked.levels());
        Map<StockKey, StockLevel> changed = new HashMap<>();
        for (Reservation.Line line : lines) {
            StockLevel after = change.apply(levels.get(line.key()), line.quantity());
            levels.put(after.key(), after);
            changed.put(after.key(), after);
        }
        save(db, locked, changed, reason);
    }

    /** Writes the changed levels and records a low-stock event for each that fell below its threshold. */
    private void save(DSLContext db, LockedLevels locked, Map<StockKey, StockLevel> changed,
                      StockChangeReason reason) {
        repository.saveLevels(db, changed.values(), locked, reason);
        saved(db, locked.levels(), changed);
    }

    /** What follows levels written back: sold-out marks forgotten, low-stock events of those that fell below. */
    private void saved(DSLContext db, Map<StockKey, StockLevel> before, Map<StockKey, StockLevel> changed) {
        soldOut.forget(changed.values().stream().map(StockLevel::variantId).toList());
        repository.insertLowStockEvents(db, changed.values().stream()
                .filter(after -> after.fellBelowThresholdSince(before.get(after.key())))
                .sorted(Comparator.comparing(StockLevel::key))
                .toList());
    }

    /** The level a line is taken from: its location's, or the one with the most available that covers it. */
    private static Optional<StockLevel> sourceFor(ReservationRequest.Line line, Map<StockKey, StockLevel> levels) {
        if (line.locationId().isPresent()) {
            return Optional.ofNullable(levels.get(new StockKey(line.variantId(), line.locationId().get())))
                    .filter(level -> level.available() >= line.quantity());
        }
        return levels.values().stream()
                .filter(level -> level.variantId().equals(line.variantId()))
                .filter(level -> level.available() >= line.quantity())
                .max(Comparator.comparingLong(StockLevel::available)
                        .thenComparing(StockLevel::key, Comparator.reverseOrder()));
    }

    private static ProblemException illegalTransition(String action, Reservation reservation) {
        return ProblemException.conflict("illegal_status_transition", "'" + action + "' is not allowed for a "
                + reservation.status().wireName() + " reservation.")
                .with("currentState", reservation.status().wireName());
    }

    private static ProblemException notFound() {
        return ProblemException.notFound("reservation");
    }
}
