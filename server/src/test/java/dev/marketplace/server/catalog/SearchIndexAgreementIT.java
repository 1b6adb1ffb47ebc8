package dev.marketplace.server.catalog;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static dev.marketplace.schema.Tables.PRODUCT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.catalog.ListingQuery.ListingSort;
import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The search index answers listings queries as PostgreSQL does (decision 47), on a generated demo catalog: for search
 * texts drawn from the catalog's own titles (Japanese, Chinese and English words and substrings, full-width and
 * upper-case forms, stop words), with and without filters, in every sort, paged through to the end. Same products;
 * the same order for every sort but relevance, where both put title matches before description-only matches and the
 * index orders by its score, then product id descending.
 */
class SearchIndexAgreementIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final int PAGE = SearchIndexPages.PAGE;
    private static ProductService products;
    private static SearchIndex index;
    private static List<String> texts;
    private static List<UUID> rootCategories;

    @BeforeAll
    static void generatedCatalog() {
        DemoData.fill(server.dataSource(), new DemoData.Size(20, 2_500, 2), 47);
        products = server.module(CatalogModule.class).products();
        index = new SearchIndex();
        products.forEachSearchRow(Optional.empty(), index::put);
        index.publish();
        rootCategories = server.db().select(CATALOG_CATEGORY.ID).from(CATALOG_CATEGORY)
                .where(CATALOG_CATEGORY.PARENT_ID.isNull()).orderBy(CATALOG_CATEGORY.ID).fetch(CATALOG_CATEGORY.ID);
        texts = searchTexts(new Random(47));
    }

    /** Words and substrings of generated titles in every language, and some forms a shopper would type. */
    private static List<String> searchTexts(Random random) {
        List<Map<String, String>> titles = server.db().select(PRODUCT.TITLE).from(PRODUCT).orderBy(PRODUCT.ID).limit(300)
                .fetch(row -> ProductRepository.stringMap(row.value1()));
        List<String> texts = new ArrayList<>(List.of("茶", "緑茶", "ＴＥＡ", "Green Tea", "teas", "the", "the tea",
                "ｺｰﾋｰ", "tea 緑茶", "有機", "not-there", "rice crackers", "绿茶", "sourced", "丁寧"));
        for (int i = 0; i < 60; i++) {
            Map<String, String> title = titles.get(random.nextInt(titles.size()));
            String text = new ArrayList<>(title.values()).get(random.nextInt(title.size()));
            if (text.codePoints().anyMatch(c -> c > 0x3000)) {
                int start = random.nextInt(text.length());
                texts.add(text.substring(start, Math.min(text.length(), start + 1 + random.nextInt(4))));
            } else {
                String[] words = text.split(" ");
                int start = random.nextInt(words.length);
                texts.add(String.join(" ", List.of(words).subList(start, Math.min(words.length, start + 1 + random.nextInt(2)))));
            }
        }
        return texts.stream().map(String::strip).filter(text -> !text.isEmpty()).distinct().toList();
    }

    @Test
    void searchesFindTheSameProductsAsPostgreSql() {
        for (String text : texts) {
            for (ListingSort sort : ListingSort.values()) {
                if (sort == ListingSort.RATING_DESC) {
                    continue; // the generated catalog has no reviews: every rating is 0, so this is newest by id
                }
                ListingQuery query = query(Optional.of(text), Optional.empty(), false, sort);
                List<SearchIndex.Hit> fromIndex = allFromIndex(query);
                List<UUID> fromPostgres = allFromPostgres(query);
                assertThat(ids(fromIndex)).as("%s sorted %s", text, sort).containsExactlyInAnyOrderElementsOf(fromPostgres);
                if (sort == ListingSort.RELEVANCE) {
                    assertRelevanceRules(text, fromIndex, fromPostgres);
                } else {
                    assertThat(ids(fromIndex)).as("%s sorted %s", text, sort).containsExactlyElementsOf(fromPostgres);
                }
            }
        }
    }

    @Test
    void filtersAndSortsWithoutTextAgree() {
        Random random = new Random(470);
        for (ListingSort sort : List.of(ListingSort.NEWEST, ListingSort.PRICE_ASC, ListingSort.PRICE_DESC,
                ListingSort.RATING_DESC)) {
            for (int i = 0; i < 12; i++) {
                Optional<UUID> category = random.nextBoolean()
                        ? Optional.of(rootCategories.get(random.nextInt(rootCategories.size()))) : Optional.empty();
                Optional<String> text = random.nextInt(3) == 0
                        ? Optional.of(texts.get(random.nextInt(texts.size()))) : Optional.empty();
                ListingQuery query = query(text, category, random.nextBoolean(), sort);
                assertThat(ids(allFromIndex(query))).as("%s", query).containsExactlyElementsOf(allFromPostgres(query));
            }
        }
    }

    @Test
    void aPriceRangeAgrees() {
        ListingQuery query = new ListingQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("JPY"),
                Optional.of(1_000L), Optional.of(3_000L), true, Optional.empty(), ListingSort.PRICE_ASC);
        List<UUID> fromPostgres = allFromPostgres(query);
        assertThat(fromPostgres).isNotEmpty();
        assertThat(ids(allFromIndex(query))).containsExactlyElementsOf(fromPostgres);
    }

    @Test
    void eitherContinuesTheOthersPagesOfTheSortsByValue() {
        for (ListingSort sort : List.of(ListingSort.NEWEST, ListingSort.PRICE_ASC, ListingSort.PRICE_DESC)) {
            ListingQuery query = query(Optional.empty(), Optional.empty(), false, sort);
            Page<Listing> first = products.listings(query, PageRequest.first(PAGE));
            PageRequest second = new PageRequest(PAGE, Cursor.decode(first.nextCursor(), cursorKeys()));
            assertThat(ids(index.search(query, null, second)).subList(0, PAGE))
                    .containsExactlyElementsOf(products.listings(query, second).items().stream()
                            .map(listing -> listing.product().id()).toList());
        }
    }

    /**
     * Title matches first in both (a query's single part: ts_rank gives a title match at least 1.0, a description-only
     * one less than 0.66); the index's ties by id descending.
     */
    private static void assertRelevanceRules(String text, List<SearchIndex.Hit> fromIndex, List<UUID> fromPostgres) {
        Set<UUID> titleMatches = titleMatches(text);
        assertThat(titleFirst(ids(fromIndex), titleMatches)).as("%s: index's order", text).isTrue();
        if (TsQuery.parse(products.searchQueryText(text)).orElseThrow().size() == 1) {
            assertThat(titleFirst(fromPostgres, titleMatches)).as("%s: PostgreSQL's order", text).isTrue();
        }
        for (int i = 1; i < fromIndex.size(); i++) {
            SearchIndex.Hit before = fromIndex.get(i - 1);
            SearchIndex.Hit after = fromIndex.get(i);
            int byScore = Float.compare(Float.parseFloat(before.sortKey()), Float.parseFloat(after.sortKey()));
            assertThat(byScore > 0 || byScore == 0
                    && before.productId().toString().compareTo(after.productId().toString()) > 0)
                    .as("%s: %s before %s", text, before, after).isTrue();
        }
    }

    private static boolean titleFirst(List<UUID> ordered, Set<UUID> titleMatches) {
        boolean descriptionSeen = false;
        for (UUID id : ordered) {
            if (!titleMatches.contains(id)) {
                descriptionSeen = true;
            } else if (descriptionSeen) {
                return false;
            }
        }
        return true;
    }

    /** The products whose titles alone match the text, as PostgreSQL sees it. */
    private static Set<UUID> titleMatches(String text) {
        return Set.copyOf(server.db().select(PRODUCT.ID).from(PRODUCT)
                .where(DSL.condition("search_vector(search_texts({0})) @@ search_query({1})", PRODUCT.TITLE,
                        DSL.val(text)))
                .fetch(PRODUCT.ID));
    }

    private static ListingQuery query(Optional<String> text, Optional<UUID> category, boolean inStockOnly,
                                      ListingSort sort) {
        boolean price = sort == ListingSort.PRICE_ASC || sort == ListingSort.PRICE_DESC;
        return new ListingQuery(text, category, Optional.empty(), price ? Optional.of("JPY") : Optional.empty(),
                Optional.empty(), Optional.empty(), inStockOnly, Optional.empty(),
                sort == ListingSort.RELEVANCE && text.isEmpty() ? ListingSort.NEWEST : sort);
    }

    private static List<SearchIndex.Hit> allFromIndex(ListingQuery query) {
        return SearchIndexPages.all(index, products, query);
    }

    private static List<UUID> allFromPostgres(ListingQuery query) {
        List<UUID> all = new ArrayList<>();
        PageRequest page = PageRequest.first(PAGE);
        while (true) {
            Page<Listing> listed = products.listings(query, page);
            listed.items().forEach(listing -> all.add(listing.product().id()));
            if (listed.nextCursor() == null) {
                return all;
            }
            page = new PageRequest(PAGE, Cursor.decode(listed.nextCursor(), cursorKeys()));
        }
    }

    private static List<CursorKey> cursorKeys() {
        return List.of(CursorKey.TEXT, CursorKey.TEXT, CursorKey.UUID);
    }

    private static List<UUID> ids(List<SearchIndex.Hit> hits) {
        return hits.stream().map(SearchIndex.Hit::productId).collect(Collectors.toList());
    }
}
