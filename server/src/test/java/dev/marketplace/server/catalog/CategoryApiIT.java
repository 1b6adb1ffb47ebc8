package dev.marketplace.server.catalog;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.CategoriesApi.ListCategoriesParams;
import dev.marketplace.sdk.invoker.ApiResponse;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryMove;
import dev.marketplace.sdk.model.CategoryPage;
import dev.marketplace.sdk.model.CategoryUpdate;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The category tree through the generated SDK, as an operator's tooling would use it. */
class CategoryApiIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private CategoriesApi categories;

    @BeforeEach
    void setUp() {
        categories = server.client().categories();
    }

    @Test
    void createsGetsAndListsATree() {
        Category fashion = create(null, "Fashion " + unique(), 1200);
        Category shoes = create(fashion.getId(), "Shoes", 1000);
        Category tea = create(fashion.getId(), "日本茶 / 中国茶", 800);

        assertThat(fashion.getDepth()).isZero();
        assertThat(fashion.getParentId()).isNull();
        assertThat(fashion.getVersion()).isEqualTo(1L);
        assertThat(shoes.getDepth()).isEqualTo(1);
        assertThat(shoes.getParentId()).isEqualTo(fashion.getId());

        ApiResponse<Category> fetched = categories.getCategoryWithHttpInfo(tea.getId());
        assertThat(fetched.getData()).isEqualTo(tea);
        assertThat(fetched.getData().getName()).isEqualTo("日本茶 / 中国茶");
        assertThat(fetched.getHeaders().get("etag")).containsExactly("\"1\"");

        CategoryPage children = categories.listCategories(
                ListCategoriesParams.builder().parentId(fashion.getId()).build());
        assertThat(children.getItems()).extracting(Category::getName).containsExactly("Shoes", "日本茶 / 中国茶");
        assertThat(children.getNextCursor()).isNull();
    }

    @Test
    void pagesThroughChildrenInAStableOrderWithoutGapsOrRepeats() {
        Category parent = create(null, "Paged " + unique(), 1000);
        List<String> names = List.of("e", "a", "D", "c", "b", "f", "g");
        for (String name : names) {
            create(parent.getId(), name, 1000);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            CategoryPage page = categories.listCategories(
                    ListCategoriesParams.builder().parentId(parent.getId()).limit(3).cursor(cursor).build());
            assertThat(page.getItems()).hasSizeLessThanOrEqualTo(3);
            page.getItems().forEach(category -> seen.add(category.getName()));
            cursor = page.getNextCursor();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(names.size()).containsExactlyInAnyOrderElementsOf(names).doesNotHaveDuplicates();
    }

    @Test
    void updatesWithTheVersionItSawAndRefusesAStaleOne() {
        Category books = create(null, "Books " + unique(), 1500);

        Category renamed = categories.updateCategory(books.getId(),
                new CategoryUpdate().name("Books & Magazines " + unique()).version(1L));
        assertThat(renamed.getVersion()).isEqualTo(2L);
        assertThat(renamed.getCommissionRateBasisPoints()).isEqualTo(1500);

        ConflictException stale = catchThrowableOfType(ConflictException.class, () -> categories.updateCategory(
                books.getId(), new CategoryUpdate().commissionRateBasisPoints(900).version(1L)));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.code()).isEqualTo(ErrorCode.VERSION_CONFLICT);
        assertThat(stale.currentVersion()).isEqualTo(2L);

        ConflictException staleIfMatch = catchThrowableOfType(ConflictException.class, () -> categories.updateCategory(
                books.getId(), new CategoryUpdate().commissionRateBasisPoints(900),
                        RequestOptions.builder().ifMatch("\"1\"").build()));
        assertThat(staleIfMatch.status()).isEqualTo(412);
        assertThat(staleIfMatch.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);

        ConflictException noVersion = catchThrowableOfType(ConflictException.class, () -> categories.updateCategory(
                books.getId(), new CategoryUpdate().commissionRateBasisPoints(900)));
        assertThat(noVersion.status()).isEqualTo(428);

        assertThat(categories.getCategory(books.getId())).isEqualTo(renamed);

        Category viaIfMatch = categories.updateCategory(books.getId(),
                new CategoryUpdate().commissionRateBasisPoints(900), RequestOptions.builder().ifMatch("\"2\"").build());
        assertThat(viaIfMatch.getVersion()).isEqualTo(3L);
        assertThat(viaIfMatch.getCommissionRateBasisPoints()).isEqualTo(900);
    }

    @Test
    void siblingNamesAreUniqueIgnoringCase() {
        Category parent = create(null, "Garden " + unique(), 1000);
        create(parent.getId(), "Tools", 1000);
        Category plants = create(parent.getId(), "Plants", 1000);

        ConflictException duplicate = catchThrowableOfType(ConflictException.class,
                () -> create(parent.getId(), "  TOOLS ", 1000));
        assertThat(duplicate.code()).isEqualTo(ErrorCode.CATEGORY_NAME_TAKEN);

        ConflictException rename = catchThrowableOfType(ConflictException.class, () -> categories.updateCategory(
                plants.getId(), new CategoryUpdate().name("tools").version(1L)));
        assertThat(rename.code()).isEqualTo(ErrorCode.CATEGORY_NAME_TAKEN);
        assertThat(categories.getCategory(plants.getId()).getName()).isEqualTo("Plants");

        Category elsewhere = create(null, "Tools " + unique(), 1000);
        assertThat(elsewhere.getName()).startsWith("Tools");
    }

    @Test
    void refusesInvalidInputAndChangesNothing() {
        int before = server.db().fetchCount(CATALOG_CATEGORY);

        ValidationException invalid = catchThrowableOfType(ValidationException.class, () -> categories.createCategory(
                new CategoryCreate().name(" ").commissionRateBasisPoints(10_001)));
        assertThat(invalid.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("name", "too_short"),
                        org.assertj.core.groups.Tuple.tuple("commissionRateBasisPoints", "out_of_range"));

        ValidationException missingParent = catchThrowableOfType(ValidationException.class, () -> create(
                UUID.randomUUID(), "Orphan", 1000));
        assertThat(missingParent.fieldErrors()).extracting(FieldError::getField).containsExactly("parentId");

        ValidationException tooLong = catchThrowableOfType(ValidationException.class, () -> create(
                null, "x".repeat(101), 1000));
        assertThat(tooLong.fieldErrors()).extracting(FieldError::getCode).containsExactly("too_long");

        assertThat(server.db().fetchCount(CATALOG_CATEGORY)).isEqualTo(before);
    }

    @Test
    void unknownAndMalformedIdsAreNotFound() {
        NotFoundException unknown = catchThrowableOfType(NotFoundException.class,
                () -> categories.getCategory(UUID.randomUUID()));
        assertThat(unknown.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(unknown.requestId()).isNotBlank();

        NotFoundException unknownParent = catchThrowableOfType(NotFoundException.class,
                () -> categories.listCategories(ListCategoriesParams.builder().parentId(UUID.randomUUID()).build()));
        assertThat(unknownParent.code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void movesASubtreeAndRewritesItsDepths() {
        Category home = create(null, "Home " + unique(), 1000);
        Category kitchen = create(home.getId(), "Kitchen", 1000);
        Category knives = create(kitchen.getId(), "Knives", 1000);
        Category outlet = create(null, "Outlet " + unique(), 1500);

        Category moved = categories.moveCategory(kitchen.getId(),
                new CategoryMove().parentId(outlet.getId()).version(1L));
        assertThat(moved.getParentId()).isEqualTo(outlet.getId());
        assertThat(moved.getDepth()).isEqualTo(1);
        assertThat(moved.getVersion()).isEqualTo(2L);
        assertThat(categories.listCategories(
                ListCategoriesParams.builder().parentId(home.getId()).build()).getItems()).isEmpty();

        Category movedKnives = categories.getCategory(knives.getId());
        assertThat(movedKnives.getParentId()).isEqualTo(kitchen.getId());
        assertThat(movedKnives.getDepth()).isEqualTo(2);

        Category toRoot = categories.moveCategory(kitchen.getId(), new CategoryMove().parentId(null),
                RequestOptions.builder().ifMatch("\"2\"").build());
        assertThat(toRoot.getParentId()).isNull();
        assertThat(toRoot.getDepth()).isZero();
        assertThat(categories.getCategory(knives.getId()).getDepth()).isEqualTo(1);
    }

    @Test
    void refusesToMoveACategoryUnderItsOwnSubtree() {
        Category toys = create(null, "Toys " + unique(), 1000);
        Category puzzles = create(toys.getId(), "Puzzles", 1000);
        Category jigsaws = create(puzzles.getId(), "Jigsaws", 1000);

        for (Category target : List.of(toys, jigsaws)) {
            ConflictException cycle = catchThrowableOfType(ConflictException.class, () -> categories.moveCategory(
                    toys.getId(), new CategoryMove().parentId(target.getId()).version(1L)));
            assertThat(cycle.code()).isEqualTo(ErrorCode.CATEGORY_CYCLE);
        }
        assertThat(categories.getCategory(toys.getId())).isEqualTo(toys);
        assertThat(categories.getCategory(jigsaws.getId())).isEqualTo(jigsaws);
    }

    @Test
    void limitsHowDeepTheTreeNests() {
        Category level = create(null, "Deep " + unique(), 1000);
        for (int depth = 1; depth < CategoryService.MAX_DEPTH; depth++) {
            level = create(level.getId(), "level " + depth, 1000);
        }
        UUID deepest = level.getId();
        ConflictException tooDeep = catchThrowableOfType(ConflictException.class, () -> create(deepest, "too deep", 1000));
        assertThat(tooDeep.code()).isEqualTo(ErrorCode.CATEGORY_TOO_DEEP);

        Category shallow = create(null, "Shallow " + unique(), 1000);
        create(shallow.getId(), "child", 1000);
        ConflictException moveTooDeep = catchThrowableOfType(ConflictException.class, () -> categories.moveCategory(
                shallow.getId(), new CategoryMove().parentId(deepest).version(1L)));
        assertThat(moveTooDeep.code()).isEqualTo(ErrorCode.CATEGORY_TOO_DEEP);
    }

    @Test
    void deletesOnlyEmptyCategories() {
        Category sports = create(null, "Sports " + unique(), 1000);
        Category golf = create(sports.getId(), "Golf", 1000);

        ConflictException notEmpty = catchThrowableOfType(ConflictException.class,
                () -> categories.deleteCategory(sports.getId()));
        assertThat(notEmpty.code()).isEqualTo(ErrorCode.CATEGORY_NOT_EMPTY);

        ConflictException staleDelete = catchThrowableOfType(ConflictException.class,
                () -> categories.deleteCategory(golf.getId(), RequestOptions.builder().ifMatch("\"7\"").build()));
        assertThat(staleDelete.status()).isEqualTo(412);

        categories.deleteCategory(golf.getId(), RequestOptions.builder().ifMatch("\"1\"").build());
        categories.deleteCategory(sports.getId());
        assertThat(catchThrowableOfType(NotFoundException.class, () -> categories.getCategory(sports.getId())))
                .isNotNull();
        assertThat(catchThrowableOfType(NotFoundException.class, () -> categories.deleteCategory(sports.getId())))
                .isNotNull();
    }

    private Category create(UUID parentId, String name, int rate) {
        return categories.createCategory(new CategoryCreate().parentId(parentId).name(name).commissionRateBasisPoints(rate));
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
