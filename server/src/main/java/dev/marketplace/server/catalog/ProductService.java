package dev.marketplace.server.catalog;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * Products, their moderation and the storefront's listings. Each public method is one transaction.
 *
 * <p>Error codes, in the order they are checked: {@code forbidden} / {@code merchant_not_active} (creating),
 * {@code not_found} (the product, also for another merchant's id), {@code validation_failed} (an unknown
 * category), {@code version_conflict} / {@code precondition_failed}, {@code illegal_status_transition} (with
 * {@code currentState}), {@code sku_taken}.
 */
public final class ProductService {

    private final DSLContext dsl;
    private final CategoryService categories;
    private final MerchantService merchants;
    private final ComplianceCheck compliance;
    private final ProductRepository repository = new ProductRepository();
    /** Bulk items per transaction: few commits, yet short enough not to hold the change feeds back for long. */
    private static final int UPSERT_BATCH = 250;
    private static final String DEADLOCK_DETECTED = "40P01";
    private final ProductRepository.ListingById listingById;
    private final ProductRepository.VariantsForSale variantsForSale;

    public ProductService(DSLContext dsl, CategoryService categories, MerchantService merchants,
                          ComplianceCheck compliance) {
        this.dsl = dsl;
        this.categories = categories;
        this.merchants = merchants;
        this.compliance = compliance;
        this.listingById = new ProductRepository.ListingById();
        this.variantsForSale = new ProductRepository.VariantsForSale();
    }

    /** Creates a draft owned by the calling merchant, which must be active. */
    public Product create(Principal caller, ProductContent content) {
        requireActiveMerchant(caller);
        requireCategory(content.categoryId());
        return writing(() -> dsl.transactionResult(tx ->
                repository.insert(tx.dsl(), caller.id(),
                        new ProductRepository.NewProduct(UUID.randomUUID(), null, content))));
    }

    /**
     * Creates or changes each of the calling merchant's products by its external key. Items are applied in batches of
     * {@value #UPSERT_BATCH}, one transaction each, and each item within its own savepoint: an item that breaks a rule
     * is {@code rejected} with the problem it would have answered alone and undone alone, the others are still
     * applied. A change follows the rules of {@link #update} (listed content back to draft, prices only keep the
     * status); an item equal to the product is {@code unchanged} and writes nothing, so sending the same items again
     * changes nothing.
     */
    public List<ProductUpsertResult> upsertAll(Principal caller, List<ProductUpsert> items) {
        requireActiveMerchant(caller);
        List<ProductUpsertResult> results = new ArrayList<>(items.size());
        for (int from = 0; from < items.size(); from += UPSERT_BATCH) {
            List<ProductUpsert> batch = items.subList(from, Math.min(items.size(), from + UPSERT_BATCH));
            results.addAll(dsl.transactionResult(tx -> upsertBatch(tx.dsl(), caller.id(), batch)));
        }
        return results;
    }

    /**
     * One batch in the caller's transaction: the batch's existing products are locked up front in one statement (in
     * id order, so two batches never lock each other's products in opposite orders) and its categories checked in
     * one; then each item in a savepoint.
     */
    private List<ProductUpsertResult> upsertBatch(DSLContext db, UUID merchantId, List<ProductUpsert> batch) {
        Map<String, Product> existing = repository.lockByExternalIds(db, merchantId,
                batch.stream().map(ProductUpsert::externalId).toList());
        Set<UUID> knownCategories = categories.existing(db,
                batch.stream().map(item -> item.content().categoryId()).collect(Collectors.toSet()));
        Map<String, Product> created = createAllAtOnce(db, merchantId, batch.stream()
                .filter(item -> !existing.containsKey(item.externalId()))
                .filter(item -> knownCategories.contains(item.content().categoryId())).toList());
        List<ProductUpsertResult> results = new ArrayList<>(batch.size());
        for (ProductUpsert item : batch) {
            Product current = existing.get(item.externalId());
            if (current != null && item.content().equals(current.content())) { // nothing to write, nothing to undo
                results.add(ProductUpsertResult.applied(item.index(), UpsertOutcome.UNCHANGED, current));
                continue;
            }
            if (created.containsKey(item.externalId())) {
                results.add(ProductUpsertResult.applied(item.index(), UpsertOutcome.CREATED,
                        created.get(item.externalId())));
                continue;
            }
            try {
                results.add(writing(() -> db.transactionResult(savepoint -> upsert(savepoint.dsl(), merchantId, item,
                        Optional.ofNullable(current), knownCategories))));
            } catch (ProblemException problem) {
                results.add(ProductUpsertResult.rejected(item.index(), item.externalId(), problem.code(),
                        problem.detail(), problem.errors()));
            } catch (DataAccessException e) {
                if (!DEADLOCK_DETECTED.equals(e.sqlState())) {
                    throw e;
                }
                // two batches creating the same new keys in opposite orders: PostgreSQL undid this item's statement
                results.add(ProductUpsertResult.rejected(item.index(), item.externalId(), "concurrent_upsert",
                        "Another request wrote this product at the same time; send the item again.", List.of()));
            }
        }
        return results;
    }

    /**
     * Tries to create these new products in one go (two statements, in a savepoint); when one of them breaks a rule
     * (a SKU taken, a key created meanwhile) nothing of it stays and the answer is empty: they are then created one
     * by one, each with its own result. The common case, a batch of valid new products, costs two statements.
     */
    private Map<String, Product> createAllAtOnce(DSLContext db, UUID merchantId, List<ProductUpsert> items) {
        if (items.size() < 2) {
            return Map.of();
        }
        try {
            return db.transactionResult(savepoint -> repository.insertAll(savepoint.dsl(), merchantId, items.stream()
                            .map(item -> new ProductRepository.NewProduct(UUID.randomUUID(), item.externalId(),
                                    item.content())).toList()))
                    .stream().collect(Collectors.toMap(Product::externalId, product -> product));
        } catch (DataAccessException e) {
            return Map.of();
        }
    }

    private ProductUpsertResult upsert(DSLContext db, UUID merchantId, ProductUpsert item, Optional<Product> existing,
                                       Set<UUID> knownCategories) {
        if (!knownCategories.contains(item.content().categoryId())) {
            throw categoryNotFound();
        }
        if (existing.isEmpty()) {
            Product created = repository.insert(db, merchantId,
                    new ProductRepository.NewProduct(UUID.randomUUID(), item.externalId(), item.content()));
            return ProductUpsertResult.applied(item.index(), UpsertOutcome.CREATED, created);
        }
        return ProductUpsertResult.applied(item.index(), UpsertOutcome.UPDATED,
                changeContent(db, existing.get(), item.content()));
    }

    public Product get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id).orElseThrow(ProductService::productNotFound);
    }

    /** The caller's products, optionally of one merchant (the operator's filter) and in one status. */
    public Page<Product> list(Principal caller, Optional<UUID> merchantId, Optional<ProductStatus> status,
                              PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, merchantId, status, page), page.limit(),
                ProductRepository::cursorOf);
    }

    /**
     * Changes a product. A change of listed content sends it back to {@code draft} (see
     * {@link ProductContent#differsInListedContentFrom}); a change of prices only keeps its status, so a
     * published product stays listed.
     */
    public Product update(Principal caller, UUID id, ProductChanges changes, ExpectedVersion expected) {
        return writing(() -> dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Product current = repository.findForUpdate(db, caller, id).orElseThrow(ProductService::productNotFound);
            changes.categoryId().ifPresent(this::requireCategory);
            expected.check(current.version());
            ProductContent after = changes.applyTo(current.content());
            return after.equals(current.content()) ? current : changeContent(db, current, after);
        }));
    }

    /** Writes new content: a change of listed content sends the product back to draft, a change of prices does not. */
    private Product changeContent(DSLContext db, Product current, ProductContent after) {
        if (after.differsInListedContentFrom(current.content())) {
            ProductStatus next = next(current, ProductAction.EDIT_CONTENT);
            return repository.update(db, current, after, next, List.of(), List.of());
        }
        return repository.update(db, current, after, current.status(), current.complianceFindings(),
                current.rejectionReasons());
    }

    /**
     * The one way a product's status changes by request: checks the version the caller saw and that
     * {@code action} is allowed from the current status. Submitting runs the compliance check: with findings the
     * product is rejected at once, the findings recorded. {@code reasons} are the operator's, for a rejection.
     */
    public Product transition(Principal caller, UUID id, ProductAction action, List<String> reasons,
                              ExpectedVersion expected) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Product current = repository.findForUpdate(db, caller, id).orElseThrow(ProductService::productNotFound);
            return transition(db, current, action, reasons, expected);
        });
    }

    /**
     * Submits many products for review (a bulk import's submissions), {@value #UPSERT_BATCH} to a transaction in id
     * order, each exactly as {@link #transition} with {@code SUBMIT} would: one transaction per product made a
     * 10,000-product import spend most of its time committing. A product that cannot be submitted (its version moved
     * on, its status forbids it) is refused before anything of it is written, so it only leaves itself out.
     * Returns the products submitted (or rejected by the compliance check), by id.
     */
    public Map<UUID, Product> submitAll(Principal caller, Map<UUID, Long> versions) {
        return submitEach(caller, versions).submitted();
    }

    /** What a bulk submission did with each product: submitted (or rejected by the compliance check), already submitted, or refused. */
    public record Submissions(Map<UUID, Product> submitted, Map<UUID, Product> unchanged,
                              Map<UUID, ProblemException> refused) {
    }

    /**
     * {@link #submitAll}, telling what became of every product: a product already {@code pending_review}, or still
     * rejected by the compliance check of a submission after the version named, is {@code unchanged} (nothing is
     * written, so a request sent again after a lost answer changes nothing); one that cannot be submitted is refused
     * with the problem it would have answered alone.
     */
    public Submissions submitEach(Principal caller, Map<UUID, Long> versions) {
        List<UUID> ids = versions.keySet().stream().sorted().toList();
        Submissions done = new Submissions(new HashMap<>(), new HashMap<>(), new HashMap<>());
        for (int from = 0; from < ids.size(); from += UPSERT_BATCH) {
            List<UUID> batch = ids.subList(from, Math.min(ids.size(), from + UPSERT_BATCH));
            dsl.transaction(tx -> {
                for (UUID id : batch) {
                    try {
                        DSLContext db = tx.dsl();
                        Product current = repository.findForUpdate(db, caller, id)
                                .orElseThrow(ProductService::productNotFound);
                        if (alreadySubmitted(current, versions.get(id))) {
                            done.unchanged().put(id, current);
                        } else {
                            done.submitted().put(id, transition(db, current, ProductAction.SUBMIT, List.of(),
                                    new ExpectedVersion(versions.get(id), ExpectedVersion.Source.BODY)));
                        }
                    } catch (ProblemException refused) {
                        done.refused().put(id, refused); // left as it is
                    }
                }
            });
        }
        return done;
    }

    /** Awaiting review, or rejected by the compliance check of a submission made after {@code version}. */
    private static boolean alreadySubmitted(Product current, long version) {
        return current.status() == ProductStatus.PENDING_REVIEW || current.status() == ProductStatus.REJECTED
                && !current.complianceFindings().isEmpty() && version < current.version();
    }

    private Product transition(DSLContext db, Product current, ProductAction action, List<String> reasons,
                               ExpectedVersion expected) {
        expected.check(current.version());
        ProductStatus next = next(current, action);
        List<ComplianceFinding> findings = List.of();
        if (action == ProductAction.SUBMIT) {
            requireActiveMerchant(db, current.merchantId(), "submit products for review");
            findings = compliance.check(current.content());
            if (!findings.isEmpty()) {
                next = next.after(ProductAction.REJECT).orElseThrow();
            }
        }
        Product changed = repository.update(db, current, current.content(), next, findings, reasons);
        if (next != current.status() && (next == ProductStatus.PUBLISHED || next == ProductStatus.REJECTED)) {
            appendModerationEvent(db, current.status(), changed);
        }
        return changed;
    }

    /**
     * The operator's decisions on many products, in request order, each item in its own transaction and on its own:
     * a refused item is reported with the problem it would have answered alone ({@code not_found},
     * {@code version_conflict}, {@code illegal_status_transition}) and never holds back the others. A product that
     * already has the status its action leads to is {@code unchanged}, whatever version the item names, so a request
     * sent again after a lost answer changes nothing.
     */
    public List<ModerationResult> moderateAll(Principal caller, List<ModerationItem> items) {
        List<ModerationResult> results = new ArrayList<>();
        for (int index = 0; index < items.size(); index++) {
            ModerationItem item = items.get(index);
            ProductStatus decided = ProductStatus.PENDING_REVIEW.after(item.action()).orElseThrow();
            int at = index;
            try {
                results.add(dsl.transactionResult(tx -> {
                    DSLContext db = tx.dsl();
                    Product current = repository.findForUpdate(db, caller, item.productId())
                            .orElseThrow(ProductService::productNotFound);
                    return current.status() == decided
                            ? ModerationResult.of(at, ModerationResult.Outcome.UNCHANGED, current)
                            : ModerationResult.of(at, ModerationResult.Outcome.APPLIED, transition(db, current,
                                    item.action(), item.reasons(),
                                    new ExpectedVersion(item.version(), ExpectedVersion.Source.BODY)));
                }));
            } catch (ProblemException refused) {
                results.add(ModerationResult.rejected(at, item.productId(), refused.code(), refused.detail()));
            }
        }
        return results;
    }

    /** For webhooks: the product's publication or refusal, one event per version reached. */
    private static void appendModerationEvent(DSLContext db, ProductStatus from, Product product) {
        boolean published = product.status() == ProductStatus.PUBLISHED;
        var payload = JsonP.JSON.createObjectBuilder().add("productId", product.id().toString())
                .add("fromStatus", from.wireName()).add("toStatus", product.status().wireName());
        if (!published) {
            payload.add("reasons", JsonP.JSON.createArrayBuilder(product.rejectionReasons()));
        }
        DomainEvents.append(db, new DomainFact(published ? EventType.PRODUCT_PUBLISHED : EventType.PRODUCT_REJECTED,
                "product_moderated:" + product.id() + ":" + product.version(),
                new Parties(null, null, product.merchantId(), null), payload.build()));
    }

    /**
     * The caller's product changes after the page's cursor: creates, edits, status changes and deletions, in the
     * order they became visible (see {@link ChangeLog}).
     */
    public ChangePage<ProductChange> changes(Principal caller, PageRequest page) {
        return ChangeLog.read(dsl, page, (db, after) -> repository.changes(db, caller, after, page.limit()),
                ProductChange::position);
    }

    /**
     * Deletes a product that was never listed or was refused: a draft or a rejected product. A published or
     * pending product is moderated content with a history; the merchant edits it instead (back to draft) first.
     */
    public void delete(Principal caller, UUID id, Optional<ExpectedVersion> expected) {
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            Product current = repository.findForUpdate(db, caller, id).orElseThrow(ProductService::productNotFound);
            expected.ifPresent(version -> version.check(current.version()));
            if (current.status() != ProductStatus.DRAFT && current.status() != ProductStatus.REJECTED) {
                throw ProblemException.conflict("illegal_status_transition", "Only a draft or rejected product can be "
                        + "deleted, not a " + current.status().wireName() + " one.")
                        .with("currentState", current.status().wireName());
            }
            repository.delete(db, id);
        });
    }

    /** Published products of active merchants; an unknown {@code categoryId} is a validation error. */
    public Page<Listing> listings(ListingQuery query, PageRequest page) {
        query.categoryId().ifPresent(this::requireCategory);
        return Page.fromLookahead(repository.listings(dsl, query, page), page.limit(), ProductRepository.Listed::cursor)
                .map(ProductRepository.Listed::listing);
    }

    /** That the category of a listings filter exists (an unknown one is a validation error, as in {@link #listings}). */
    void requireListingCategory(UUID categoryId) {
        requireCategory(categoryId);
    }

    /**
     * The listed products' rows as the search index holds them, all of them or those of these ids that are listed, in
     * one read-only transaction (so that PostgreSQL streams the rows instead of materializing them all at once).
     */
    void forEachSearchRow(Optional<Collection<UUID>> productIds, Consumer<SearchIndex.Row> row) {
        forEachSearchRow(dsl, productIds, row);
    }

    /** The same on {@code db} (the search index's own connection), in one transaction (a cursor, not all rows). */
    void forEachSearchRow(DSLContext db, Optional<Collection<UUID>> productIds, Consumer<SearchIndex.Row> row) {
        db.transaction(tx -> repository.forEachIndexRow(tx.dsl(), productIds, row));
    }

    /** Every listed product's row version as the search index records it, in one read-only transaction. */
    void forEachListedVersion(DSLContext db, ObjLongConsumer<UUID> version) {
        db.transaction(tx -> repository.forEachListedVersion(tx.dsl(), version));
    }

    /** The products of one bulk change announced by its batch id (V47); none once the batch has expired. */
    Optional<List<UUID>> changeBatch(DSLContext db, long batchId) {
        return repository.changeBatch(db, batchId);
    }

    /** What a storefront's search text asks, as PostgreSQL's search_query makes it (tsquery text). */
    String searchQueryText(String text) {
        return repository.searchQueryText(dsl, text);
    }

    /** These products' listings, those of them that are listed, by product id. */
    Map<UUID, Listing> listingsById(Collection<UUID> productIds) {
        return repository.listingsById(dsl, productIds);
    }

    /** A published product of an active merchant. */
    public Listing listing(UUID id) {
        return listingById.find(dsl, id)
                .orElseThrow(() -> ProblemException.notFound("listing"));
    }

    /**
     * In the caller's transaction: published reviews' ratings added to (or, negative, taken from) the product's and
     * its merchant's in the listing read model, which storefronts filter and sort by (decision 40). The reviews
     * domain's way into the catalog's tables.
     */
    public void rate(DSLContext tx, UUID productId, UUID merchantId, int countDelta, long sumDelta) {
        repository.rate(tx, productId, merchantId, countDelta, sumDelta);
    }

    /** The banned words (catalog compliance) in texts by field name, such as a review's title and body. */
    public List<ComplianceFinding> bannedWordsIn(Map<String, Map<String, String>> textsByField) {
        return compliance.checkTexts(textsByField);
    }

    /**
     * The merchant of each of these variants that exists; unknown ids are left out. How other domains (inventory)
     * check the variants they reference without reading the catalog's tables.
     */
    public Map<UUID, UUID> merchantsOfVariants(Collection<UUID> variantIds) {
        return merchantsOfVariants(dsl, variantIds);
    }

    /**
     * Up to {@code limit} ids of these merchants' variants after {@code after}, in id order, whatever their product's
     * status: the candidates a caller pages over and then filters with {@link #variantsForSale} (decision 56).
     */
    public List<UUID> variantIdsOf(Collection<UUID> merchantIds, Optional<UUID> after, int limit) {
        return merchantIds.isEmpty() ? List.of() : repository.variantIdsOf(dsl, merchantIds, after, limit);
    }

    /**
     * The handling days of those of these products that set their own (the others take their merchant's), in the
     * caller's transaction: what a paid order's promised ship-by time is made of (decision 65).
     */
    public Map<UUID, Integer> handlingDays(DSLContext db, Collection<UUID> productIds) {
        return productIds.isEmpty() ? Map.of() : repository.handlingDays(db, productIds);
    }

    /** The merchant's variants by these SKU codes (unique per merchant); unknown codes are left out. */
    public Map<String, UUID> variantsBySku(UUID merchantId, Collection<String> skus) {
        return repository.variantsBySku(dsl, merchantId, skus);
    }

    /** {@link #merchantsOfVariants(Collection)} in the caller's transaction. */
    public Map<UUID, UUID> merchantsOfVariants(DSLContext db, Collection<UUID> variantIds) {
        return repository.merchantsOfVariants(db, variantIds);
    }

    /**
     * The variants among these that exist, with what a cart and a checkout need (price, merchant, category and its
     * commission rate, published?); unknown ids are left out.
     */
    public Map<UUID, VariantForSale> variantsForSale(DSLContext db, Collection<UUID> variantIds) {
        return variantsForSale.find(db, variantIds);
    }

    private static ProductStatus next(Product current, ProductAction action) {
        return current.status().after(action).orElseThrow(() -> ProblemException.conflict(
                "illegal_status_transition", "'" + action.wireName() + "' is not allowed for a "
                        + current.status().wireName() + " product.").with("currentState", current.status().wireName()));
    }

    private void requireActiveMerchant(Principal caller) {
        if (caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("Products are created by the merchant that sells them.");
        }
        requireActiveMerchant(dsl, caller.id(), "create products");
    }

    /**
     * A suspended or frozen merchant keeps reading its data, fixing prices and stock and fulfilling what it sold,
     * but adds nothing new to the storefront until it is reactivated.
     */
    private void requireActiveMerchant(DSLContext db, UUID merchantId, String what) {
        if (!merchants.isActive(db, merchantId)) {
            throw new ProblemException(403, "merchant_not_active", "Forbidden", "Only an active merchant can " + what + ".");
        }
    }

    private void requireCategory(UUID categoryId) {
        if (!categories.exists(categoryId)) {
            throw categoryNotFound();
        }
    }

    /** Runs a write, answering the constraints a concurrent change can still break. */
    private static <T> T writing(Supplier<T> write) {
        try {
            return write.get();
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, ProductRepository.SKU_CONSTRAINT)) {
                throw ProblemException.conflict("sku_taken",
                        "Another of your products already has a variant with one of these SKU codes.");
            }
            if (Constraints.isViolated(e, ProductRepository.EXTERNAL_ID_CONSTRAINT)) { // a concurrent upsert created it
                throw ProblemException.conflict("external_id_taken",
                        "A product with this externalId was created meanwhile; send the item again to update it.");
            }
            if (Constraints.isViolated(e, ProductRepository.CATEGORY_CONSTRAINT)) { // deleted since the check
                throw categoryNotFound();
            }
            throw e;
        }
    }

    private static ProblemException categoryNotFound() {
        return ProblemException.validation("categoryId", FieldError.NOT_FOUND, "names no existing category");
    }

    private static ProblemException productNotFound() {
        return ProblemException.notFound("product");
    }
}
