package dev.marketplace.server.catalog;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
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
    private final ProductRepository.ListingById listingById;

    public ProductService(DSLContext dsl, CategoryService categories, MerchantService merchants,
                          ComplianceCheck compliance) {
        this.dsl = dsl;
        this.categories = categories;
        this.merchants = merchants;
        this.compliance = compliance;
        this.listingById = new ProductRepository.ListingById(dsl,
                merchants.isActiveIn(ProductRepository.MERCHANT_OF_PRODUCT));
    }

    /** Creates a draft owned by the calling merchant, which must be active. */
    public Product create(Principal caller, ProductContent content) {
        requireActiveMerchant(caller);
        requireCategory(content.categoryId());
        return writing(() -> dsl.transactionResult(tx ->
                repository.insert(tx.dsl(), UUID.randomUUID(), caller.id(), null, content)));
    }

    /**
     * Creates or changes each of the calling merchant's products by its external key, each item in its own
     * transaction: an item that breaks a rule is {@code rejected} with the problem it would have answered alone, and
     * the others are still applied. A change follows the rules of {@link #update} (listed content back to draft,
     * prices only keep the status); an item equal to the product is {@code unchanged} and writes nothing, so
     * sending the same items again changes nothing.
     */
    public List<ProductUpsertResult> upsertAll(Principal caller, List<ProductUpsert> items) {
        requireActiveMerchant(caller);
        List<ProductUpsertResult> results = new ArrayList<>(items.size());
        for (ProductUpsert item : items) {
            try {
                results.add(upsert(caller.id(), item));
            } catch (ProblemException problem) {
                results.add(ProductUpsertResult.rejected(item.index(), item.externalId(), problem.code(),
                        problem.detail(), problem.errors()));
            }
        }
        return results;
    }

    private ProductUpsertResult upsert(UUID merchantId, ProductUpsert item) {
        return writing(() -> dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Optional<Product> existing = repository.findByExternalIdForUpdate(db, merchantId, item.externalId());
            if (existing.isEmpty()) {
                requireCategory(item.content().categoryId());
                Product created = repository.insert(db, UUID.randomUUID(), merchantId, item.externalId(), item.content());
                return ProductUpsertResult.applied(item.index(), UpsertOutcome.CREATED, created);
            }
            Product current = existing.get();
            if (item.content().equals(current.content())) {
                return ProductUpsertResult.applied(item.index(), UpsertOutcome.UNCHANGED, current);
            }
            requireCategory(item.content().categoryId());
            return ProductUpsertResult.applied(item.index(), UpsertOutcome.UPDATED,
                    changeContent(db, current, item.content()));
        }));
    }

    public Product get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id).orElseThrow(ProductService::productNotFound);
    }

    public Page<Product> list(Principal caller, Optional<ProductStatus> status, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, status, page), page.limit(), ProductRepository::cursorOf);
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
            expected.check(current.version());
            ProductStatus next = next(current, action);
            List<ComplianceFinding> findings = List.of();
            if (action == ProductAction.SUBMIT) {
                findings = compliance.check(current.content());
                if (!findings.isEmpty()) {
                    next = next.after(ProductAction.REJECT).orElseThrow();
                }
            }
            return repository.update(db, current, current.content(), next, findings, reasons);
        });
    }

    /**
     * The caller's product changes after the page's cursor: creates, edits, status changes and deletions, in the
     * order they became visible (see {@link ChangeLog}).
     */
    public ChangePage<ProductChange> changes(Principal caller, PageRequest page) {
        ChangeLog.settle(dsl);
        List<ProductChange> changes = repository.changes(dsl, caller, ChangeLog.positionAfter(page), page.limit());
        return ChangeLog.page(changes, page, ProductChange::position);
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
    public Page<Product> listings(ListingQuery query, PageRequest page) {
        query.categoryId().ifPresent(this::requireCategory);
        List<Product> rows = repository.listings(dsl, query, merchants.inactiveMerchantIds(), page);
        return Page.fromLookahead(rows, page.limit(), product -> ProductRepository.listingCursorOf(query.sort(), product));
    }

    /** A published product of an active merchant. */
    public Product listing(UUID id) {
        return listingById.find(dsl, id)
                .orElseThrow(() -> ProblemException.notFound("listing"));
    }

    /**
     * The merchant of each of these variants that exists; unknown ids are left out. How other domains (inventory)
     * check the variants they reference without reading the catalog's tables.
     */
    public Map<UUID, UUID> merchantsOfVariants(Collection<UUID> variantIds) {
        return repository.merchantsOfVariants(dsl, variantIds);
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
        if (!merchants.isActive(caller.id())) {
            throw new ProblemException(403, "merchant_not_active", "Forbidden",
                    "Only an active merchant can create products.");
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
