package dev.marketplace.server.catalog;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;

import dev.marketplace.schema.tables.records.CatalogCategoryRecord;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.persistence.AdvisoryLocks;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** The category tree's table. Every method runs in the caller's transaction ({@code db}). */
final class CategoryRepository {

    /** Unique sibling names, ignoring case (see V1 migration). */
    static final String SIBLING_NAME_CONSTRAINT = "catalog_category_sibling_name_key";

    /** Merchants name the category of goods they sell; such a category cannot be deleted (see V3 migration). */
    static final String MERCHANT_REFERENCE_CONSTRAINT = "merchant_category_fkey";

    /** Products are in a category; such a category cannot be deleted (see V4 migration). */
    static final String PRODUCT_REFERENCE_CONSTRAINT = "product_category_fkey";

    // Serializes structural changes of the tree (create, move, delete): they are rare operator actions, and
    // one lock makes cycle checks and subtree rewrites correct under any concurrency, on any number of nodes.
    private static final long TREE_LOCK = 0x6361745f74726565L; // "cat_tree"

    void lockTree(DSLContext db) {
        AdvisoryLocks.lockForTransaction(db, TREE_LOCK);
    }

    Optional<Category> find(DSLContext db, UUID id) {
        return db.selectFrom(CATALOG_CATEGORY).where(CATALOG_CATEGORY.ID.eq(id)).fetchOptional(CategoryRepository::toCategory);
    }

    Set<UUID> existing(DSLContext db, Collection<UUID> ids) {
        return db.select(CATALOG_CATEGORY.ID).from(CATALOG_CATEGORY)
                .where(CATALOG_CATEGORY.ID.eq(DSL.any(ids.toArray(UUID[]::new)))).fetchSet(CATALOG_CATEGORY.ID);
    }

    Optional<Category> findForUpdate(DSLContext db, UUID id) {
        return db.selectFrom(CATALOG_CATEGORY).where(CATALOG_CATEGORY.ID.eq(id)).forUpdate()
                .fetchOptional(CategoryRepository::toCategory);
    }

    /** Children of {@code parentId} (roots when null) in the stable order name, id; {@code page.fetchSize()} rows at most. */
    List<Category> children(DSLContext db, UUID parentId, PageRequest page) {
        Condition parent = parentId == null ? CATALOG_CATEGORY.PARENT_ID.isNull() : CATALOG_CATEGORY.PARENT_ID.eq(parentId);
        Condition after = page.after()
                .map(cursor -> DSL.row(CATALOG_CATEGORY.NAME, CATALOG_CATEGORY.ID)
                        .gt(cursor.keys().get(0), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(CATALOG_CATEGORY)
                .where(parent).and(after)
                .orderBy(CATALOG_CATEGORY.NAME, CATALOG_CATEGORY.ID)
                .limit(page.fetchSize())
                .fetch(CategoryRepository::toCategory);
    }

    /** Where a page of {@link #children} ends: the sort keys of its last item. */
    static Cursor cursorOf(Category category) {
        return Cursor.of(category.name(), category.id().toString());
    }

    boolean hasChildren(DSLContext db, UUID id) {
        return db.fetchExists(CATALOG_CATEGORY, CATALOG_CATEGORY.PARENT_ID.eq(id));
    }

    /** The depth of the deepest category in the subtree rooted at {@code root} (its own depth when it is a leaf). */
    int deepestDepthBelow(DSLContext db, Category root) {
        Integer deepest = db.select(DSL.max(DSL.cardinality(CATALOG_CATEGORY.ANCESTOR_IDS)))
                .from(CATALOG_CATEGORY)
                .where(CATALOG_CATEGORY.ANCESTOR_IDS.contains(new UUID[] {root.id()}))
                .fetchOne(0, Integer.class);
        return deepest == null ? root.depth() : deepest;
    }

    Category insert(DSLContext db, UUID id, NewCategory category, List<UUID> ancestorIds) {
        return db.insertInto(CATALOG_CATEGORY)
                .set(CATALOG_CATEGORY.ID, id)
                .set(CATALOG_CATEGORY.PARENT_ID, category.parentId().orElse(null))
                .set(CATALOG_CATEGORY.ANCESTOR_IDS, ancestorIds.toArray(UUID[]::new))
                .set(CATALOG_CATEGORY.NAME, category.name())
                .set(CATALOG_CATEGORY.COMMISSION_RATE_BPS, category.commissionRateBasisPoints())
                .returning()
                .fetchOne(CategoryRepository::toCategory);
    }

    Category update(DSLContext db, Category current, CategoryChanges changes) {
        return db.update(CATALOG_CATEGORY)
                .set(CATALOG_CATEGORY.NAME, changes.name().orElse(current.name()))
                .set(CATALOG_CATEGORY.COMMISSION_RATE_BPS, changes.commissionRateBasisPoints().orElse(current.commissionRateBasisPoints()))
                .set(CATALOG_CATEGORY.VERSION, CATALOG_CATEGORY.VERSION.plus(1))
                .set(CATALOG_CATEGORY.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(CATALOG_CATEGORY.ID.eq(current.id()))
                .returning()
                .fetchOne(CategoryRepository::toCategory);
    }

    /**
     * Puts {@code moved} under {@code newParent} (root when null) and rewrites the ancestor paths of its
     * whole subtree; every category whose depth changes gets a new version.
     */
    Category move(DSLContext db, Category moved, Category newParent) {
        List<UUID> newPath = newParent == null ? List.of() : newParent.pathForChildren();
        int oldPrefixLength = moved.depth() + 1; // the old ancestors plus the moved category itself
        UUID[] newPrefix = java.util.stream.Stream.concat(newPath.stream(), java.util.stream.Stream.of(moved.id()))
                .toArray(UUID[]::new);
        Field<UUID[]> restOfPath = DSL.field("{0}[{1}:]", CATALOG_CATEGORY.ANCESTOR_IDS.getDataType(),
                CATALOG_CATEGORY.ANCESTOR_IDS, DSL.inline(oldPrefixLength + 1));
        db.update(CATALOG_CATEGORY)
                .set(CATALOG_CATEGORY.ANCESTOR_IDS, DSL.field("{0} || {1}", CATALOG_CATEGORY.ANCESTOR_IDS.getDataType(),
                        DSL.val(newPrefix, CATALOG_CATEGORY.ANCESTOR_IDS.getDataType()), restOfPath))
                .set(CATALOG_CATEGORY.VERSION, CATALOG_CATEGORY.VERSION.plus(1))
                .set(CATALOG_CATEGORY.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(CATALOG_CATEGORY.ANCESTOR_IDS.contains(new UUID[] {moved.id()}))
                .execute();
        return db.update(CATALOG_CATEGORY)
                .set(CATALOG_CATEGORY.PARENT_ID, newParent == null ? null : newParent.id())
                .set(CATALOG_CATEGORY.ANCESTOR_IDS, newPath.toArray(UUID[]::new))
                .set(CATALOG_CATEGORY.VERSION, CATALOG_CATEGORY.VERSION.plus(1))
                .set(CATALOG_CATEGORY.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(CATALOG_CATEGORY.ID.eq(moved.id()))
                .returning()
                .fetchOne(CategoryRepository::toCategory);
    }

    void delete(DSLContext db, UUID id) {
        db.deleteFrom(CATALOG_CATEGORY).where(CATALOG_CATEGORY.ID.eq(id)).execute();
    }

    private static Category toCategory(CatalogCategoryRecord row) {
        return new Category(row.getId(), row.getParentId(), Arrays.asList(row.getAncestorIds()), row.getName(),
                row.getCommissionRateBps(), row.getVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }
}
