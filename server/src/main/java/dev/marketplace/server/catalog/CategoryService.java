package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * The rules of the category tree. Each public method is one transaction.
 *
 * <p>Error codes, in the order they are checked: {@code not_found} (the category),
 * {@code validation_failed} (a parent that does not exist), {@code version_conflict} /
 * {@code precondition_failed}, {@code category_cycle}, {@code category_too_deep},
 * {@code category_not_empty}, {@code category_in_use}, {@code category_name_taken}.
 */
public final class CategoryService {

    /** Categories nest at most this deep: a root has depth 0, so the deepest has depth {@code MAX_DEPTH - 1}. */
    public static final int MAX_DEPTH = 8;

    private final DSLContext dsl;
    private final CategoryRepository repository;

    public CategoryService(DSLContext dsl) {
        this.dsl = dsl;
        this.repository = new CategoryRepository();
    }

    /** Whether a category with this id exists (other domains reference categories by id). */
    public boolean exists(UUID id) {
        return repository.find(dsl, id).isPresent();
    }

    /**
     * Which of these ids name an existing category: one query for all, through {@code db} (the caller's transaction
     * when it is in one, so that it does not hold a second pooled connection).
     */
    public Set<UUID> existing(DSLContext db, Collection<UUID> ids) {
        return repository.existing(db, ids);
    }

    public Category get(UUID id) {
        return get(dsl, id);
    }

    /** The category, read through {@code db} (the caller's transaction, when it is in one). */
    public Category get(DSLContext db, UUID id) {
        return repository.find(db, id).orElseThrow(CategoryService::categoryNotFound);
    }

    /** The children of {@code parentId}, or the root categories when it is empty. */
    public Page<Category> children(Optional<UUID> parentId, PageRequest page) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            parentId.ifPresent(id -> repository.find(db, id).orElseThrow(CategoryService::categoryNotFound));
            return Page.fromLookahead(repository.children(db, parentId.orElse(null), page), page.limit(),
                    CategoryRepository::cursorOf);
        });
    }

    public Category create(NewCategory category) {
        return nameMustBeFree(() -> dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            repository.lockTree(db);
            Optional<Category> parent = category.parentId().map(id -> existingParent(db, id));
            int depth = parent.map(p -> p.depth() + 1).orElse(0);
            if (depth >= MAX_DEPTH) {
                throw tooDeep();
            }
            return repository.insert(db, UUID.randomUUID(), category,
                    parent.map(Category::pathForChildren).orElse(java.util.List.of()));
        }));
    }

    public Category update(UUID id, CategoryChanges changes, ExpectedVersion expected) {
        return nameMustBeFree(() -> dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Category current = repository.findForUpdate(db, id).orElseThrow(CategoryService::categoryNotFound);
            expected.check(current.version());
            if (changes.isEmpty()) {
                return current;
            }
            return repository.update(db, current, changes);
        }));
    }

    /** Moves a category with its whole subtree under {@code newParentId}, or to the root when it is empty. */
    public Category move(UUID id, Optional<UUID> newParentId, ExpectedVersion expected) {
        return nameMustBeFree(() -> dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            repository.lockTree(db);
            Category moved = repository.findForUpdate(db, id).orElseThrow(CategoryService::categoryNotFound);
            Category newParent = newParentId.map(parentId -> existingParent(db, parentId)).orElse(null);
            expected.check(moved.version());
            if (newParent != null && moved.isSameOrAncestorOf(newParent)) {
                throw ProblemException.conflict("category_cycle",
                        "A category cannot move under itself or one of its own descendants.");
            }
            if (newParentId.equals(Optional.ofNullable(moved.parentId()))) {
                return moved;
            }
            int newDepth = newParent == null ? 0 : newParent.depth() + 1;
            int deepestAfterMove = repository.deepestDepthBelow(db, moved) - moved.depth() + newDepth;
            if (deepestAfterMove >= MAX_DEPTH) {
                throw tooDeep();
            }
            return repository.move(db, moved, newParent);
        }));
    }

    /** Deletes a category that has no children; with {@code expected}, only if it is still at that version. */
    public void delete(UUID id, Optional<ExpectedVersion> expected) {
        try {
            deleteEmpty(id, expected);
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, CategoryRepository.MERCHANT_REFERENCE_CONSTRAINT)) {
                throw ProblemException.conflict("category_in_use",
                        "Merchants sell goods of this category; it cannot be deleted.");
            }
            if (Constraints.isViolated(e, CategoryRepository.PRODUCT_REFERENCE_CONSTRAINT)) {
                throw ProblemException.conflict("category_in_use",
                        "Products are in this category; it cannot be deleted.");
            }
            throw e;
        }
    }

    private void deleteEmpty(UUID id, Optional<ExpectedVersion> expected) {
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            repository.lockTree(db);
            Category current = repository.findForUpdate(db, id).orElseThrow(CategoryService::categoryNotFound);
            expected.ifPresent(version -> version.check(current.version()));
            if (repository.hasChildren(db, id)) {
                throw ProblemException.conflict("category_not_empty",
                        "The category has subcategories; move or delete them first.");
            }
            repository.delete(db, id);
        });
    }

    private Category existingParent(DSLContext db, UUID parentId) {
        return repository.find(db, parentId).orElseThrow(() -> ProblemException.validation(
                "parentId", FieldError.NOT_FOUND, "names no existing category"));
    }

    private static <T> T nameMustBeFree(Supplier<T> write) {
        try {
            return write.get();
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, CategoryRepository.SIBLING_NAME_CONSTRAINT)) {
                throw ProblemException.conflict("category_name_taken",
                        "A sibling category already has this name (names are compared ignoring case).");
            }
            throw e;
        }
    }

    private static ProblemException categoryNotFound() {
        return ProblemException.notFound("category");
    }

    private static ProblemException tooDeep() {
        return ProblemException.conflict("category_too_deep",
                "Categories nest at most " + MAX_DEPTH + " levels deep.");
    }
}
