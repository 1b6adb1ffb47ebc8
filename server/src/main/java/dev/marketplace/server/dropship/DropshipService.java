package dev.marketplace.server.dropship;

import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.catalog.Product;
import dev.marketplace.server.catalog.ProductContent;
import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.catalog.ProductStatus;
import dev.marketplace.server.catalog.ProductUpsert;
import dev.marketplace.server.catalog.ProductUpsertResult;
import dev.marketplace.server.catalog.ProductVariant;
import dev.marketplace.server.catalog.UpsertOutcome;
import dev.marketplace.server.catalog.VariantInput;
import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.inventory.Location;
import dev.marketplace.server.inventory.StockUpdate;
import dev.marketplace.server.inventory.StockUpdateResult;
import dev.marketplace.server.orders.SupplyFreshness;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * Supplier connections, catalog import and pricing, stock sync and the freshness guard (decision 39). Each public
 * method is one transaction at most around our own tables; supplier calls happen before or between them, never
 * inside one.
 */
public final class DropshipService implements SupplyFreshness, SupplierDataFreshness {

    /** Per connection with a quota: {@code outcome} {@code taken} (a call made) or {@code used_up} (refused, none left). */
    static final String QUOTA_CALLS_METER = "dropship.quota.calls";

    public static final String SYNC_JOB = "dropship.stock-sync";
    public static final String FRESHNESS_JOB = "dropship.freshness";
    private static final int SYNC_BATCH = 10;
    private static final int STOCK_WRITE_BATCH = 10_000;
    private static final int VARIANT_WRITE_BATCH = 1_000;
    private static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int EXTERNAL_ID_MAX = 100;
    private static final String LANGUAGE = "en";
    private static final System.Logger LOG = System.getLogger(DropshipService.class.getName());

    private final DSLContext dsl;
    private final DropshipSettings settings;
    private final Connectors connectors;
    private final PiiKeys keys;
    private final ProductService products;
    private final InventoryService inventory;
    private final CategoryService categories;
    private final Clock clock;
    private final UUID node = UUID.randomUUID();
    private final DropshipRepository repository = new DropshipRepository();

    DropshipService(DSLContext dsl, DropshipSettings settings, Connectors connectors, PiiKeys keys,
                    ProductService products, InventoryService inventory, CategoryService categories, Clock clock) {
        this.dsl = dsl;
        this.settings = settings;
        this.connectors = connectors;
        this.keys = keys;
        this.products = products;
        this.inventory = inventory;
        this.categories = categories;
        this.clock = clock;
    }

    /** What a merchant sends to connect a supplier account. */
    public record NewConnection(String name, ConnectorKind kind, Optional<String> baseUrl, Optional<String> apiKey,
                                String currency, PricingRule pricing, StockBuffer buffer, boolean autoForward,
                                Map<String, UUID> categoryMappings, UUID defaultCategoryId,
                                Optional<Duration> syncEvery, Optional<Quota> quota) {
    }

    // --- connections

    public Connection connect(Principal caller, NewConnection request) {
        if (caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("Supplier connections belong to the merchant that sells the goods.");
        }
        Set<UUID> named = new HashSet<>(request.categoryMappings().values());
        named.add(request.defaultCategoryId());
        Set<UUID> known = categories.existing(dsl, named);
        List<FieldError> errors = new ArrayList<>();
        if (!known.contains(request.defaultCategoryId())) {
            errors.add(new FieldError("defaultCategoryId", FieldError.NOT_FOUND, "names no existing category"));
        }
        request.categoryMappings().forEach((supplier, category) -> {
            if (!known.contains(category)) {
                errors.add(new FieldError("categoryMappings", FieldError.NOT_FOUND,
                        "the mapping of " + supplier + " names no existing category"));
            }
        });
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        UUID id = UUID.randomUUID();
        Location location = inventory.createLocation(caller, "dropship-" + id, "Supplier: " + request.name());
        OffsetDateTime now = now();
        Connection connection = new Connection(id, caller.id(), request.name(), request.kind(), request.baseUrl(),
                request.currency(), request.pricing(), request.buffer(), request.autoForward(),
                request.categoryMappings(), request.defaultCategoryId(), location.id(),
                request.syncEvery().orElse(settings.syncEvery()), now, now, Optional.empty(), Optional.empty(), 0, 1,
                now, request.quota());
        byte[] sealed = keys.seal(JsonP.JSON.createObjectBuilder().add("apiKey", request.apiKey().orElse("")).build()
                .toString().getBytes(StandardCharsets.UTF_8), credentialsContext(id));
        dsl.transaction(tx -> repository.insertConnection(tx.dsl(), connection,
                new DropshipRepository.SealedCredentials(keys.currentId(), sealed)));
        return connection;
    }

    public Connection get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id).orElseThrow(DropshipService::connectionNotFound);
    }

    public Page<Connection> list(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, page), page.limit(), DropshipRepository::cursorOf);
    }

    public Page<SyncRun> runs(Principal caller, UUID connectionId, PageRequest page) {
        get(caller, connectionId);
        return Page.fromLookahead(repository.runs(dsl, caller, connectionId, page), page.limit(),
                DropshipRepository::cursorOf);
    }

    /** The connection's failover switches (decision 39), newest first. */
    public Page<Switch> switches(Principal caller, UUID connectionId, PageRequest page) {
        get(caller, connectionId);
        return Page.fromLookahead(repository.switches(dsl, caller, connectionId, page), page.limit(),
                DropshipRepository::cursorOf);
    }

    /** The connector of a connection, its credentials opened; for this domain's own work only. */
    SupplierConnector connectorOf(Connection connection) {
        DropshipRepository.SealedCredentials sealed = repository.credentials(dsl, connection.id());
        String json = new String(keys.open(sealed.keyId(), sealed.sealed(), credentialsContext(connection.id())),
                StandardCharsets.UTF_8);
        String apiKey = JsonP.JSON.createReader(new java.io.StringReader(json)).readObject().getString("apiKey", "");
        return connectors.of(connection, Credentials.of(Optional.of(apiKey)), connection.quota().isEmpty()
                ? CallQuota.NONE : () -> takeSupplierCall(connection.id()));
    }

    /**
     * One call from the connection's supplier quota, in a transaction of its own before the call (never around it);
     * when none is left the call is not made: a {@link SupplierException} with the wait until the window ends, which
     * the sync honours as it does a supplier's Retry-After and a forward stays pending.
     */
    private void takeSupplierCall(UUID connectionId) {
        OffsetDateTime now = now();
        Optional<OffsetDateTime> usedUpUntil = dsl.transactionResult(tx -> repository.takeCall(tx.dsl(), connectionId, now));
        // The quota as an exported metric (decision 56): calls taken and calls refused, per connection, on /metrics.
        Metrics.globalRegistry().getOrCreate(Counter.builder(QUOTA_CALLS_METER)
                .tags(List.of(Tag.create("connection", connectionId.toString()),
                        Tag.create("outcome", usedUpUntil.isPresent() ? "used_up" : "taken"))))
                .increment();
        if (usedUpUntil.isPresent()) {
            throw new SupplierException("the supplier's call quota is used up until " + usedUpUntil.get(),
                    Optional.of(Duration.between(now, usedUpUntil.get())), null);
        }
    }

    /**
     * The job {@code dropship.personal-data-resealing}: re-seals up to {@code batchSize} connections' credentials sealed
     * under a personal-data key that is no longer current (a rotation), as webhook secrets and customers' data are.
     */
    public int resealCredentials(int batchSize) {
        return dsl.transactionResult(tx -> {
            Map<UUID, DropshipRepository.SealedCredentials> stale = repository.lockSealedUnder(tx.dsl(), keys.currentId(),
                    batchSize);
            stale.forEach((connectionId, sealed) -> {
                byte[] context = credentialsContext(connectionId);
                byte[] plaintext = keys.open(sealed.keyId(), sealed.sealed(), context);
                repository.storeCredentials(tx.dsl(), connectionId,
                        new DropshipRepository.SealedCredentials(keys.currentId(), keys.seal(plaintext, context)));
            });
            return stale.size();
        });
    }

    private static byte[] credentialsContext(UUID connectionId) {
        return ("dropship_connection:" + connectionId).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Names a backup supplier for one imported variant: the same goods as {@code backupSupplierSku} at another of the
     * merchant's connections, used for forwarding while this connection's supplier fails (decision 39) and for the
     * variant's stock while it fails or is stale (decision 64).
     */
    DropshipRepository.ImportedVariant setBackup(Principal caller, UUID connectionId, UUID variantId,
                                                 UUID backupConnectionId, String backupSupplierSku) {
        Connection connection = get(caller, connectionId);
        Connection backup = repository.find(dsl, caller, backupConnectionId)
                .filter(c -> c.merchantId().equals(connection.merchantId()) && !c.id().equals(connection.id()))
                .orElseThrow(() -> ProblemException.validation("backupConnectionId", FieldError.NOT_FOUND,
                        "names none of your other connections"));
        return dsl.transactionResult(tx -> {
            DropshipRepository.ImportedVariant variant = repository.variant(tx.dsl(), caller, variantId)
                    .filter(v -> v.connectionId().equals(connection.id()))
                    .orElseThrow(() -> ProblemException.validation("variantId", FieldError.NOT_FOUND,
                            "names no variant imported through this connection"));
            repository.setBackup(tx.dsl(), variantId, backup.id(), backupSupplierSku);
            repository.syncFullyNow(tx.dsl(), backup.id(), now()); // so the backup's stock of that SKU is read soon
            return variant;
        });
    }

    // --- import

    /** One supplier product's import: its product here, or why it was not imported. */
    public record ImportItem(String supplierProductId, String outcome, Optional<Product> product, Optional<String> code,
                             Optional<String> detail) {
    }

    public record ImportResult(int read, int created, int updated, int unchanged, int rejected, List<ImportItem> items) {
    }

    /**
     * Imports the chosen supplier products (all of them when {@code productIds} is empty) as the merchant's products
     * through the catalog's bulk upsert (keyed by {@code dropship:<connection>:<supplier product id>}, so a re-import
     * updates rather than duplicates), priced by the connection's rule and categorised by its mappings. With
     * {@code submit}, new or changed drafts are submitted for review: the compliance check rejects banned claims.
     * The connection's next sync is a full one, due now, so the new variants get their stock.
     */
    public ImportResult importProducts(Principal caller, UUID connectionId, Set<String> productIds, boolean submit) {
        Connection connection = get(caller, connectionId);
        SupplierConnector connector = connectorOf(connection);
        Map<String, SupplierConnector.SupplierProduct> chosen = new LinkedHashMap<>();
        Optional<String> cursor = Optional.empty();
        try {
            do {
                SupplierConnector.CatalogPage page = connector.products(cursor);
                for (SupplierConnector.SupplierProduct product : page.products()) {
                    if (productIds.isEmpty() || productIds.contains(product.id())) {
                        chosen.putIfAbsent(product.id(), product);
                    }
                }
                cursor = page.nextCursor();
            } while (cursor.isPresent() && (productIds.isEmpty() || chosen.size() < productIds.size()));
        } catch (SupplierException e) {
            throw supplierUnavailable(e);
        }
        List<ImportItem> items = new ArrayList<>();
        for (String id : productIds) {
            if (!chosen.containsKey(id)) {
                items.add(new ImportItem(id, "rejected", Optional.empty(), Optional.of("not_found"),
                        Optional.of("The supplier has no product with this id.")));
            }
        }
        List<ProductUpsert> upserts = new ArrayList<>();
        List<SupplierConnector.SupplierProduct> upserted = new ArrayList<>();
        for (SupplierConnector.SupplierProduct product : chosen.values()) {
            Optional<String> invalid = invalid(connection, product);
            if (invalid.isPresent()) {
                items.add(new ImportItem(product.id(), "rejected", Optional.empty(), Optional.of("invalid_supplier_product"),
                        invalid));
                continue;
            }
            upserts.add(new ProductUpsert(upserts.size(), externalId(connection, product.id()), content(connection, product)));
            upserted.add(product);
        }
        Principal merchant = merchantOf(connection);
        List<ProductUpsertResult> results = products.upsertAll(merchant, upserts);
        List<DropshipRepository.ImportedVariant> variants = new ArrayList<>();
        int created = 0;
        int updated = 0;
        int unchanged = 0;
        Map<UUID, Long> toSubmit = new HashMap<>();
        for (ProductUpsertResult result : results) {
            SupplierConnector.SupplierProduct supplied = upserted.get(result.index());
            if (result.product().isEmpty()) {
                items.add(new ImportItem(supplied.id(), "rejected", Optional.empty(), result.code(), result.detail()));
                continue;
            }
            Product product = result.product().get();
            Map<String, Long> costs = new HashMap<>();
            supplied.variants().forEach(v -> costs.put(v.sku(), v.cost()));
            for (ProductVariant variant : product.variants()) {
                if (costs.containsKey(variant.sku())) {
                    variants.add(new DropshipRepository.ImportedVariant(connection.id(), variant.sku(), supplied.id(),
                            connection.merchantId(), product.id(), variant.id(), costs.get(variant.sku()), 0,
                            Optional.empty(), Optional.empty(), Optional.empty(), false));
                }
            }
            switch (result.outcome()) {
                case CREATED -> created++;
                case UPDATED -> updated++;
                default -> unchanged++;
            }
            if (submit && (product.status() == ProductStatus.DRAFT || product.status() == ProductStatus.REJECTED)
                    && result.outcome() != UpsertOutcome.UNCHANGED) {
                toSubmit.put(product.id(), product.version());
            }
            items.add(new ImportItem(supplied.id(), result.outcome().wireName(), Optional.of(product), Optional.empty(),
                    Optional.empty()));
        }
        Map<UUID, Product> submitted = products.submitAll(merchant, toSubmit);
        items.replaceAll(item -> item.product().map(Product::id).filter(submitted::containsKey)
                .map(id -> new ImportItem(item.supplierProductId(), item.outcome(), Optional.of(submitted.get(id)),
                        item.code(), item.detail()))
                .orElse(item));
        dsl.transaction(tx -> {
            for (int from = 0; from < variants.size(); from += VARIANT_WRITE_BATCH) {
                repository.upsertVariants(tx.dsl(), variants.subList(from, Math.min(variants.size(), from + VARIANT_WRITE_BATCH)));
            }
            repository.syncFullyNow(tx.dsl(), connection.id(), now());
        });
        int rejected = (int) items.stream().filter(i -> i.outcome().equals("rejected")).count();
        return new ImportResult(chosen.size(), created, updated, unchanged, rejected, items);
    }

    private static Optional<String> invalid(Connection connection, SupplierConnector.SupplierProduct product) {
        if (externalId(connection, product.id()).length() > EXTERNAL_ID_MAX) {
            return Optional.of("The supplier's product id is longer than 54 characters.");
        }
        if (product.variants().isEmpty()) {
            return Optional.of("The supplier's product has no variants.");
        }
        if (product.title() == null || product.title().isBlank()) {
            return Optional.of("The supplier's product has no title.");
        }
        for (SupplierConnector.SupplierVariant variant : product.variants()) {
            if (!SKU.matcher(variant.sku()).matches()) {
                return Optional.of("The supplier SKU " + variant.sku() + " is not a SKU code here (letters, digits, '.', "
                        + "'_' and '-', at most 64).");
            }
        }
        return Optional.empty();
    }

    static String externalId(Connection connection, String supplierProductId) {
        return "dropship:" + connection.id() + ":" + supplierProductId;
    }

    private static ProductContent content(Connection connection, SupplierConnector.SupplierProduct product) {
        List<VariantInput> variants = product.variants().stream()
                .map(v -> new VariantInput(v.sku(), v.attributes(), new Money(connection.pricing().priceOf(v.cost()),
                        connection.currency()), Optional.empty()))
                .toList();
        Map<String, String> description = product.description() == null || product.description().isBlank() ? Map.of()
                : Map.of(LANGUAGE, clip(product.description(), 10_000));
        return new ProductContent(connection.categoryOf(product.category()), Map.of(LANGUAGE, clip(product.title(), 200)),
                description, Map.of("supplier", connection.name().length() > 1000 ? connection.name().substring(0, 1000)
                : connection.name()),
                product.imageUrls().stream().filter(url -> url.length() <= 2000 && url.startsWith("https://")).limit(10)
                        .toList(), variants, null);
    }

    private static String clip(String text, int max) {
        String stripped = text.strip();
        return stripped.length() <= max ? stripped : stripped.substring(0, max).strip();
    }

    // --- stock sync

    /** The job: syncs the connections that are due, each claimed by this node alone. Returns how many. */
    public int syncDue() {
        List<Connection> claimed = dsl.transactionResult(tx -> repository.claimDue(tx.dsl(), now(),
                settings.syncLease(), SYNC_BATCH));
        claimed.forEach(this::syncClaimed);
        return claimed.size();
    }

    /** A sync now, by the merchant's request; 409 while another sync of the connection runs. */
    public SyncRun syncNow(Principal caller, UUID connectionId) {
        get(caller, connectionId);
        Connection claimed = dsl.transactionResult(tx -> repository.claimNow(tx.dsl(), connectionId, now(),
                settings.syncLease())).orElseThrow(() -> ProblemException.conflict("sync_in_progress",
                "A sync of this connection is running; read its result from the connection's sync runs."));
        return syncClaimed(claimed);
    }

    /**
     * Reads the supplier's stock (outside any transaction), then writes in one transaction: the marketplace stock of
     * every changed variant (supplier stock less the safety buffer, as an absolute count whose source sequence is the
     * sync's), the supplier's stock and costs where they changed, the run, and the connection fresh again. A
     * connection coming back from stale gets every variant's stock written, restoring what the freshness guard took
     * off sale. The connection is also a backup (decision 64): what it reports for the SKUs it backs is kept, and
     * written as the stock of the variants read from it now. Then, succeeded or failed, each variant with a backup is
     * pointed at the supplier it should be read from ({@link #failOver}). Variants whose cost changed are re-priced
     * afterwards through the catalog.
     */
    private SyncRun syncClaimed(Connection connection) {
        OffsetDateTime started = now();
        long startedNanos = System.nanoTime();
        SupplierConnector.StockReport report;
        try {
            report = connectorOf(connection).stock(connection.syncMarker());
        } catch (SupplierException e) {
            Duration wait = e.retryAfter().filter(d -> d.compareTo(settings.retryAfterFailure()) > 0)
                    .orElse(settings.retryAfterFailure());
            SyncRun run = new SyncRun(UUID.randomUUID(), connection.id(), connection.merchantId(), started,
                    elapsedMillis(startedNanos), "failed", connection.syncMarker().isPresent(), 0, 0, 0, node,
                    clipError(e.getMessage()));
            dsl.transaction(tx -> {
                repository.insertRun(tx.dsl(), run);
                repository.syncFailed(tx.dsl(), connection.id(), now().plus(wait));
                failOver(tx.dsl(), connection.id());
            });
            LOG.log(System.Logger.Level.INFO, "stock sync of connection " + connection.id() + " failed: " + e.getMessage());
            return run;
        }
        Map<UUID, Long> repriced = new HashMap<>();
        SyncRun run = dsl.transactionResult(tx -> {
            SyncRun applied = apply(tx.dsl(), connection, report, started, startedNanos, repriced);
            failOver(tx.dsl(), connection.id());
            return applied;
        });
        if (!repriced.isEmpty()) {
            reprice(connection, repriced);
        }
        return run;
    }

    private SyncRun apply(DSLContext db, Connection connection, SupplierConnector.StockReport report,
                          OffsetDateTime started, long startedNanos, Map<UUID, Long> repriced) {
        Map<String, DropshipRepository.ImportedVariant> variants = repository.variantsOf(db, connection.id());
        Map<String, List<DropshipRepository.ImportedVariant>> backedBySku = new HashMap<>();
        repository.backedBy(db, connection.id()).forEach(v -> backedBySku
                .computeIfAbsent(v.backupSupplierSku().orElseThrow(), sku -> new ArrayList<>()).add(v));
        boolean restoring = connection.staleSince().isPresent();
        Map<String, Long> stockBySku = new HashMap<>();
        if (restoring) {
            variants.values().forEach(v -> stockBySku.put(v.supplierSku(), v.supplierStock()));
        }
        List<SupplierConnector.SupplierStock> changed = new ArrayList<>();
        Map<String, Long> backupStockBySku = new HashMap<>();
        List<DropshipRepository.ImportedVariant> readFromHere = new ArrayList<>();
        for (SupplierConnector.SupplierStock item : report.items()) {
            List<DropshipRepository.ImportedVariant> backed = backedBySku.getOrDefault(item.sku(), List.of());
            if (!backed.isEmpty()) {
                backupStockBySku.put(item.sku(), item.quantity());
                backed.stream().filter(v -> v.stockFromBackup() && (restoring
                        || !v.backupSupplierStock().equals(Optional.of(item.quantity())))).forEach(readFromHere::add);
            }
            DropshipRepository.ImportedVariant variant = variants.get(item.sku());
            if (variant == null) {
                continue; // not imported: the merchant does not sell it
            }
            if (item.quantity() != variant.supplierStock()) {
                stockBySku.put(item.sku(), item.quantity());
            }
            if (item.cost() != variant.cost()) {
                repriced.put(variant.productId(), 0L);
            }
            if (item.quantity() != variant.supplierStock() || item.cost() != variant.cost()) {
                changed.add(item);
            }
        }
        // A variant read from its backup now shows the backup's stock; its own supplier's is only kept.
        stockBySku.keySet().removeIf(sku -> variants.get(sku).stockFromBackup());
        Set<UUID> writtenConnections = new HashSet<>();
        writtenConnections.add(connection.id());
        readFromHere.forEach(v -> writtenConnections.add(v.connectionId()));
        Map<UUID, Long> sequences = repository.nextSequences(db, writtenConnections);
        List<StockUpdate> updates = new ArrayList<>(stockBySku.size() + readFromHere.size());
        stockBySku.forEach((sku, quantity) -> updates.add(absolute(variants.get(sku).variantId(),
                connection.locationId(), connection.buffer().sellable(quantity), sequences.get(connection.id()))));
        Map<UUID, Connection> primaries = new HashMap<>();
        for (DropshipRepository.ImportedVariant variant : readFromHere) {
            Connection primary = primaries.computeIfAbsent(variant.connectionId(),
                    id -> repository.get(db, id).orElseThrow());
            updates.add(absolute(variant.variantId(), primary.locationId(), connection.buffer().sellable(
                    backupStockBySku.get(variant.backupSupplierSku().orElseThrow())), sequences.get(primary.id())));
        }
        int changes = 0;
        int failures = report.skipped();
        Principal merchant = merchantOf(connection);
        for (int from = 0; from < updates.size(); from += STOCK_WRITE_BATCH) {
            for (StockUpdateResult result : inventory.applyUpdates(db, merchant,
                    updates.subList(from, Math.min(updates.size(), from + STOCK_WRITE_BATCH)))) {
                if (result.outcome() == StockUpdateResult.Outcome.APPLIED) {
                    changes++;
                } else if (result.outcome() == StockUpdateResult.Outcome.REJECTED) {
                    failures++; // fewer than are reserved for checkouts in flight: those stay reserved
                }
            }
        }
        repository.updateSupplierStock(db, connection.id(), changed);
        repository.updateBackupStock(db, connection.id(), backupStockBySku);
        OffsetDateTime now = now();
        repository.syncSucceeded(db, connection.id(), now, report.nextMarker(), now.plus(connection.syncEvery()));
        SyncRun run = new SyncRun(UUID.randomUUID(), connection.id(), connection.merchantId(), started,
                elapsedMillis(startedNanos), report.unchanged() ? "unchanged" : "succeeded", report.incremental(),
                report.items().size() + report.skipped(), changes, failures, node, null);
        repository.insertRun(db, run);
        return run;
    }

    private static StockUpdate absolute(UUID variantId, UUID locationId, long onHand, long sequence) {
        return new StockUpdate(variantId, locationId, Optional.of(new StockUpdate.AbsoluteCount(onHand, sequence)),
                Optional.empty(), Optional.empty());
    }

    /**
     * Stock-sync failover per variant (decision 64), for the variants this connection supplies or backs: a variant
     * is read from its backup while its primary fails (breaker not closed, or no successful sync within
     * {@code dropship.stale.after}) and the backup does not (breaker closed, synced within that time, its SKU read),
     * and from its primary otherwise. A variant changing side gets its stock written at once at its primary's location
     * (the location that sells it) from the side it now follows; a primary that is not fresh gives none. One
     * {@code dropship_switch} row per primary, backup and direction records each change with its count and reason.
     */
    private void failOver(DSLContext db, UUID connectionId) {
        List<DropshipRepository.ImportedVariant> candidates = new ArrayList<>(repository.backedBy(db, connectionId));
        candidates.addAll(repository.withBackup(db, connectionId));
        if (candidates.isEmpty()) {
            return;
        }
        OffsetDateTime now = now();
        SupplierStates suppliers = new SupplierStates(db, now.minus(settings.staleAfter()));
        Map<SwitchKey, List<DropshipRepository.ImportedVariant>> switching = new LinkedHashMap<>();
        for (DropshipRepository.ImportedVariant variant : candidates) {
            Connection primary = suppliers.connection(variant.connectionId());
            Connection backup = suppliers.connection(variant.backupConnectionId().orElseThrow());
            boolean primaryFails = suppliers.fails(primary);
            boolean fromBackup = primaryFails && variant.backupSupplierStock().isPresent() && !suppliers.fails(backup);
            if (fromBackup != variant.stockFromBackup()) {
                String reason = fromBackup ? !connectors.healthy(primary) ? "the primary supplier's circuit breaker is not closed"
                        : "the primary supplier's stock is stale"
                        : primaryFails ? "the backup supplier fails too" : "the primary supplier is healthy again";
                switching.computeIfAbsent(new SwitchKey(primary, backup, fromBackup, reason), key -> new ArrayList<>())
                        .add(variant);
            }
        }
        if (switching.isEmpty()) {
            return;
        }
        Map<UUID, Long> sequences = repository.nextSequences(db, switching.keySet().stream()
                .map(key -> key.primary().id()).collect(java.util.stream.Collectors.toSet()));
        switching.forEach((key, variants) -> {
            Connection primary = key.primary();
            long sequence = sequences.get(primary.id());
            inventory.applyUpdates(db, merchantOf(primary), variants.stream().map(v -> absolute(v.variantId(),
                    primary.locationId(), key.toBackup() ? key.backup().buffer().sellable(v.backupSupplierStock().orElseThrow())
                            : suppliers.fresh(primary) ? primary.buffer().sellable(v.supplierStock()) : 0, sequence))
                    .toList());
            repository.setStockFromBackup(db, variants.stream().map(DropshipRepository.ImportedVariant::variantId)
                    .toList(), key.toBackup());
            repository.recordSwitch(db, primary.merchantId(), primary.id(), key.backup().id(),
                    key.toBackup() ? "to_backup" : "to_primary", "stock sync: " + variants.size() + " variant(s) now read "
                            + "from the " + (key.toBackup() ? "backup" : "primary") + ": " + key.reason(), now);
        });
    }

    private record SwitchKey(Connection primary, Connection backup, boolean toBackup, String reason) {
    }

    /** The connections a failover decision looks at, each read once: fresh (synced in time) and failing or not. */
    private final class SupplierStates {
        private final DSLContext db;
        private final OffsetDateTime freshSince;
        private final Map<UUID, Connection> connections = new HashMap<>();

        SupplierStates(DSLContext db, OffsetDateTime freshSince) {
            this.db = db;
            this.freshSince = freshSince;
        }

        Connection connection(UUID id) {
            return connections.computeIfAbsent(id, key -> repository.get(db, key).orElseThrow());
        }

        boolean fresh(Connection connection) {
            return connection.staleSince().isEmpty() && !connection.lastSuccessAt().isBefore(freshSince);
        }

        boolean fails(Connection connection) {
            return !connectors.healthy(connection) || !fresh(connection);
        }
    }

    /** New prices by the connection's rule for products whose supplier cost changed; the catalog keeps their status. */
    private void reprice(Connection connection, Map<UUID, Long> productIds) {
        Principal merchant = merchantOf(connection);
        Map<String, Long> costs = new HashMap<>();
        repository.variantsOf(dsl, connection.id()).values().forEach(v -> costs.put(v.supplierSku(), v.cost()));
        List<ProductUpsert> upserts = new ArrayList<>();
        for (UUID productId : productIds.keySet()) {
            Product product = products.get(merchant, productId);
            if (product.externalId() == null) {
                continue;
            }
            ProductContent content = product.content();
            List<VariantInput> repriced = content.variants().stream()
                    .map(v -> costs.containsKey(v.sku()) ? new VariantInput(v.sku(), v.attributes(),
                            new Money(connection.pricing().priceOf(costs.get(v.sku())), v.price().currency()),
                            v.compareAtPrice()) : v)
                    .toList();
            upserts.add(new ProductUpsert(upserts.size(), product.externalId(), new ProductContent(content.categoryId(),
                    content.title(), content.description(), content.attributes(), content.imageUrls(), repriced,
                    content.handlingDays())));
        }
        products.upsertAll(merchant, upserts).stream().filter(r -> r.outcome() == UpsertOutcome.REJECTED)
                .forEach(r -> LOG.log(System.Logger.Level.WARNING, "re-pricing " + r.externalId() + " refused: "
                        + r.detail().orElse("")));
    }

    // --- freshness

    /**
     * The job: connections whose last successful sync is older than {@code dropship.stale.after} stop selling — the
     * available stock of their variants is taken to zero (listings show them sold out) and the merchant gets a
     * {@code dropship.stale} event — until a sync succeeds. A variant whose backup is fresh is read from the backup
     * instead and keeps selling (decision 64). Checkout refuses them meanwhile ({@link #staleAmong}), even
     * before this job has run. Returns how many connections went stale.
     */
    public int takeStaleOffSale() {
        OffsetDateTime now = now();
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            List<Connection> stale = repository.lockNewlyStale(db, now.minus(settings.staleAfter()), SYNC_BATCH);
            for (Connection connection : stale) {
                repository.markStale(db, connection.id(), now);
                // Variants with a fresh backup are read from it and keep selling; those it backed fall back.
                failOver(db, connection.id());
                List<UUID> variantIds = repository.variantsOf(db, connection.id()).values().stream()
                        .filter(v -> !v.stockFromBackup()).map(DropshipRepository.ImportedVariant::variantId).toList();
                Map<UUID, Long> available = inventory.availableToReserve(db, variantIds);
                List<StockUpdate> zero = available.entrySet().stream().filter(e -> e.getValue() > 0)
                        .map(e -> new StockUpdate(e.getKey(), connection.locationId(), Optional.empty(),
                                Optional.of(-e.getValue()), Optional.empty()))
                        .toList();
                if (!zero.isEmpty()) {
                    inventory.applyUpdates(db, merchantOf(connection), zero);
                }
                DomainEvents.append(db, new DomainFact(EventType.DROPSHIP_STALE,
                        "dropship_stale:" + connection.id() + ":" + now.toInstant().toEpochMilli(),
                        new Parties(null, null, connection.merchantId(), null),
                        JsonP.JSON.createObjectBuilder().add("connectionId", connection.id().toString())
                                .add("lastSuccessfulSyncAt", connection.lastSuccessAt().toString())
                                .add("variantsOffSale", variantIds.size()).build()));
            }
            return stale.size();
        });
    }

    @Override
    public Set<UUID> staleAmong(Collection<UUID> variantIds) {
        if (variantIds.isEmpty()) {
            return Set.of();
        }
        return repository.staleAmong(dsl, variantIds, now().minus(settings.staleAfter()));
    }

    /**
     * Fresh minutes per connection: each successful sync (and the connection's creation, which starts it fresh) keeps
     * the data fresh for {@code dropship.stale.after} or until the next one; the union is clipped to the period.
     */
    @Override
    public FreshMinutes freshness(UUID merchantId, OffsetDateTime from, OffsetDateTime to) {
        Duration staleAfter = settings.staleAfter();
        Map<UUID, OffsetDateTime> connections = repository.connectionsOf(dsl, merchantId);
        Map<UUID, List<OffsetDateTime>> successes = repository.successesOf(dsl, merchantId, from.minus(staleAfter), to);
        long connected = 0;
        long fresh = 0;
        for (Map.Entry<UUID, OffsetDateTime> connection : connections.entrySet()) {
            OffsetDateTime start = latest(from, connection.getValue());
            if (!start.isBefore(to)) {
                continue;
            }
            connected += Duration.between(start, to).toMinutes();
            List<OffsetDateTime> goodAt = new ArrayList<>(successes.getOrDefault(connection.getKey(), List.of()));
            goodAt.add(connection.getValue());
            goodAt.sort(null);
            OffsetDateTime coveredUntil = start;
            for (OffsetDateTime good : goodAt) {
                OffsetDateTime freshFrom = latest(good, coveredUntil);
                OffsetDateTime freshUntil = good.plus(staleAfter).isBefore(to) ? good.plus(staleAfter) : to;
                if (freshFrom.isBefore(freshUntil)) {
                    fresh += Duration.between(freshFrom, freshUntil).toSeconds();
                    coveredUntil = freshUntil;
                }
            }
        }
        return new FreshMinutes(connected, Math.min(connected, fresh / 60));
    }

    private static OffsetDateTime latest(OffsetDateTime a, OffsetDateTime b) {
        return a.isAfter(b) ? a : b;
    }

    // --- shared

    /** The merchant itself, acting through its own connection (the import, the sync's stock and prices). */
    static Principal merchantOf(Connection connection) {
        return new Principal(PrincipalType.MERCHANT, connection.merchantId(), null, Set.of());
    }

    OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    private static long elapsedMillis(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    private static String clipError(String message) {
        String text = message == null ? "supplier call failed" : message;
        return text.length() <= 500 ? text : text.substring(0, 500);
    }

    static ProblemException supplierUnavailable(SupplierException e) {
        return ProblemException.serviceUnavailable("The supplier did not answer usably: " + clipError(e.getMessage()));
    }

    static ProblemException connectionNotFound() {
        return ProblemException.notFound("supplier connection");
    }
}
