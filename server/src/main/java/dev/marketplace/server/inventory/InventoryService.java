package dev.marketplace.server.inventory;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * A merchant's stock locations and its stock per variant and location. Each public method is one transaction.
 * Variants are the catalog's, checked through {@link ProductService}; locations, levels and events belong to a
 * merchant (another merchant's answer 404 or {@code not_found}).
 */
public final class InventoryService {

    private final DSLContext dsl;
    private final ProductService products;
    private final InventoryRepository repository = new InventoryRepository();
    private final SoldOutVariants soldOut;

    InventoryService(DSLContext dsl, ProductService products, SoldOutVariants soldOut) {
        this.dsl = dsl;
        this.products = products;
        this.soldOut = soldOut;
    }

    /** Creates a location owned by the calling merchant. */
    public Location createLocation(Principal caller, String code, String name) {
        if (caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("Stock locations are created by the merchant that runs them.");
        }
        try {
            return dsl.transactionResult(tx -> repository.insertLocation(tx.dsl(), caller.id(), code, name));
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, InventoryRepository.LOCATION_CODE_CONSTRAINT)) {
                throw ProblemException.conflict("location_code_taken", "You already have a location with this code.");
            }
            throw e;
        }
    }

    public Page<Location> listLocations(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.listLocations(dsl, caller, page), page.limit(),
                InventoryRepository::cursorOf);
    }

    /**
     * How many units of each variant one reservation line can take: the most available at a single location, since
     * a line is reserved whole from one location. Variants without stock anywhere are left out.
     */
    public Map<UUID, Long> availableToReserve(Collection<UUID> variantIds) {
        return availableToReserve(dsl, variantIds);
    }

    /** {@link #availableToReserve(Collection)} in the caller's transaction. */
    public Map<UUID, Long> availableToReserve(DSLContext db, Collection<UUID> variantIds) {
        return repository.mostAvailableAtOneLocation(db, variantIds);
    }

    public Page<StockLevel> listStock(Principal caller, Optional<UUID> variantId, Optional<UUID> locationId,
                                      PageRequest page) {
        return Page.fromLookahead(repository.listStock(dsl, caller, variantId, locationId, page), page.limit(),
                InventoryRepository::cursorOf);
    }

    /**
     * The caller's stock changes after the page's cursor: updates, adjustments, reservations, commits, releases and
     * deleted levels, in the order they became visible (see {@link ChangeLog}).
     */
    public ChangePage<StockChange> stockChanges(Principal caller, PageRequest page) {
        return ChangeLog.read(dsl, page, (db, after) -> repository.stockChanges(db, caller, after, page.limit()),
                StockChange::position);
    }

    public Page<LowStockEvent> listLowStockEvents(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.listLowStockEvents(dsl, caller, page), page.limit(),
                InventoryRepository::cursorOf);
    }

    /**
     * Applies the items in order, in one transaction, each on its own: an item that cannot be applied is reported
     * and the others still are. The levels named are locked once, up front, in {@link StockKey} order; the items are
     * applied to them in memory and written back in one statement, so ten thousand items cost a handful of
     * statements rather than tens of thousands.
     */
    public List<StockUpdateResult> applyUpdates(Principal caller, List<StockUpdate> items) {
        return dsl.transactionResult(tx -> applyUpdates(tx.dsl(), caller, items, StockChangeReason.UPDATED));
    }

    /**
     * {@link #applyUpdates(Principal, List)} for items that may name their variant by the merchant's SKU and their
     * location by code: those are looked up first (a merchant's own only: the operator names ids), and an item whose
     * key names nothing is rejected {@code not_found} while the others are applied.
     */
    public List<StockUpdateResult> applyKeyedUpdates(Principal caller, List<KeyedStockUpdate> items) {
        // Looked up only when some item names one: an ERP sending ids pays no extra round trip.
        boolean merchant = caller.type() == PrincipalType.MERCHANT;
        Set<String> skus = items.stream().flatMap(item -> item.sku().stream()).collect(Collectors.toSet());
        Set<String> codes = items.stream().flatMap(item -> item.locationCode().stream()).collect(Collectors.toSet());
        Map<String, UUID> variantsBySku = merchant && !skus.isEmpty() ? products.variantsBySku(caller.id(), skus)
                : Map.of();
        Map<String, UUID> locationsByCode = merchant && !codes.isEmpty() ? repository.locationsByCode(dsl, caller, codes)
                : Map.of();
        StockUpdateResult[] results = new StockUpdateResult[items.size()];
        List<StockUpdate> resolved = new ArrayList<>();
        List<Integer> resolvedIndex = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            KeyedStockUpdate item = items.get(i);
            UUID variantId = item.variantId().orElseGet(() -> variantsBySku.get(item.sku().orElseThrow()));
            UUID locationId = item.locationId().orElseGet(() -> locationsByCode.get(item.locationCode().orElseThrow()));
            if (variantId == null || locationId == null) {
                results[i] = StockUpdateResult.unresolved(i, variantId, locationId, variantId == null
                        ? "No variant of yours has the SKU " + item.sku().orElseThrow() + "."
                        : "No location of yours has the code " + item.locationCode().orElseThrow() + ".");
            } else {
                resolved.add(new StockUpdate(variantId, locationId, item.setOnHand(), item.adjustBy(),
                        item.lowStockThreshold()));
                resolvedIndex.add(i);
            }
        }
        List<StockUpdateResult> applied = resolved.isEmpty() ? List.of() : applyUpdates(caller, resolved);
        for (int k = 0; k < applied.size(); k++) {
            results[resolvedIndex.get(k)] = applied.get(k).at(resolvedIndex.get(k));
        }
        return List.of(results);
    }

    /**
     * {@link #applyUpdates(Principal, List)} in the caller's transaction, for a change of another domain that
     * moves stock with it.
     */
    public List<StockUpdateResult> applyUpdates(DSLContext db, Principal caller, List<StockUpdate> items) {
        return applyUpdates(db, caller, items, StockChangeReason.UPDATED);
    }

    /** Received returned units put back on hand, in the caller's transaction (the return's state change). */
    public List<StockUpdateResult> restockReturned(DSLContext db, Principal caller, List<StockUpdate> items) {
        return applyUpdates(db, caller, items, StockChangeReason.RETURNED);
    }

    /**
     * An ERP's update names levels that exist and are the caller's: then locking them is all the checking needed (a
     * level exists only for a variant and a location of its merchant), and the variants and locations are not
     * looked up at all. Otherwise they are, item by item, and the missing levels are created.
     */
    private List<StockUpdateResult> applyUpdates(DSLContext db, Principal caller, List<StockUpdate> items,
                                                 StockChangeReason reason) {
        StockUpdateResult[] results = new StockUpdateResult[items.size()];
        LockedLevels locked = repository.lockIfAllExist(db, caller,
                        items.stream().map(StockUpdate::key).collect(Collectors.toSet()))
                .orElseGet(() -> checkCreateAndLock(db, caller, items, results));
        Map<StockKey, StockLevel> levels = locked.levels();
        Map<StockKey, StockLevel> changed = new LinkedHashMap<>();
        List<StockLevel> fellBelowThreshold = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (results[i] != null) {
                continue;
            }
            StockUpdate item = items.get(i);
            StockLevel before = levels.get(item.key());
            results[i] = apply(i, item, before);
            results[i].stock().filter(after -> !after.equals(before)).ifPresent(after -> {
                levels.put(after.key(), after);
                changed.put(after.key(), after);
                if (after.fellBelowThresholdSince(before)) {
                    fellBelowThreshold.add(after);
                }
            });
        }
        if (changed.isEmpty()) {
            return List.of(results);
        }
        OffsetDateTime updatedAt = repository.saveLevels(db, changed.values(), locked, reason);
        soldOut.forget(changed.values().stream().map(StockLevel::variantId).toList());
        repository.insertLowStockEvents(db, fellBelowThreshold);
        return Arrays.stream(results).map(result -> withUpdatedAt(result, changed.keySet(), updatedAt)).toList();
    }

    /**
     * Rejects the items naming a variant or location the caller may not update (their results are set), creates
     * the missing levels of the others and locks them all.
     */
    private LockedLevels checkCreateAndLock(DSLContext db, Principal caller, List<StockUpdate> items,
                                                         StockUpdateResult[] results) {
        Map<UUID, UUID> merchantOfVariant = products.merchantsOfVariants(db,
                items.stream().map(StockUpdate::variantId).collect(Collectors.toSet()));
        Map<UUID, UUID> merchantOfLocation = repository.merchantsOfLocations(db, caller,
                items.stream().map(StockUpdate::locationId).collect(Collectors.toSet()));
        Map<StockKey, UUID> merchantByKey = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            StockUpdate item = items.get(i);
            UUID variantMerchant = merchantOfVariant.get(item.variantId());
            UUID locationMerchant = merchantOfLocation.get(item.locationId());
            if (variantMerchant == null || !caller.isOperator() && !variantMerchant.equals(caller.id())) {
                results[i] = StockUpdateResult.rejected(i, item, "not_found", "No variant with that id exists.");
            } else if (locationMerchant == null) {
                results[i] = StockUpdateResult.rejected(i, item, "not_found", "No location with that id exists.");
            } else if (!variantMerchant.equals(locationMerchant)) {
                results[i] = StockUpdateResult.rejected(i, item, "location_mismatch",
                        "The variant and the location belong to different merchants.");
            } else {
                merchantByKey.put(item.key(), locationMerchant);
            }
        }
        return merchantByKey.isEmpty() ? LockedLevels.NONE : repository.createAndLockLevels(db, merchantByKey);
    }

    /**
     * One item against the level as it stands: an absolute count older than the last one applied is ignored, and
     * no change may take {@code onHand} below what is reserved (or below zero).
     */
    private static StockUpdateResult apply(int index, StockUpdate item, StockLevel level) {
        StockLevel next = level;
        if (item.setOnHand().isPresent()) {
            StockUpdate.AbsoluteCount count = item.setOnHand().get();
            if (level.lastSourceSequence().filter(last -> count.sourceSequence() <= last).isPresent()) {
                return StockUpdateResult.ignoredStale(index, level);
            }
            if (count.onHand() < level.reserved()) {
                return belowReserved(index, item, level);
            }
            next = next.withOnHandFromSource(count.onHand(), count.sourceSequence());
        }
        if (item.adjustBy().isPresent()) {
            long onHand = level.onHand() + item.adjustBy().get();
            if (onHand < level.reserved()) {
                return belowReserved(index, item, level);
            }
            next = next.withCounts(onHand, level.reserved());
        }
        if (item.lowStockThreshold().isPresent()) {
            next = next.withLowStockThreshold(item.lowStockThreshold().get());
        }
        return StockUpdateResult.applied(index, next);
    }

    private static StockUpdateResult belowReserved(int index, StockUpdate item, StockLevel level) {
        return StockUpdateResult.rejected(index, item, "below_reserved", "onHand would fall below the "
                + level.reserved() + " reserved (with " + level.onHand() + " on hand).");
    }

    /** The stock right after this item, with the {@code updatedAt} the database gave the level if it was written. */
    private static StockUpdateResult withUpdatedAt(StockUpdateResult result, Set<StockKey> written,
                                                   OffsetDateTime updatedAt) {
        return result.stock().filter(stock -> written.contains(stock.key()))
                .map(stock -> new StockUpdateResult(result.index(), result.variantId(), result.locationId(),
                        result.outcome(), result.code(), result.detail(), Optional.of(stock.withUpdatedAt(updatedAt))))
                .orElse(result);
    }
}
