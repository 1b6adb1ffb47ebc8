package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Every hit of a query on the in-process index, paged through to the end with its cursors (as a client would). */
final class SearchIndexPages {

    /** A page size no default lines up with, so that page edges fall in odd places. */
    static final int PAGE = 97;

    private SearchIndexPages() {
    }

    static List<SearchIndex.Hit> all(SearchIndex index, ProductService products, ListingQuery query) {
        String tsquery = query.text().map(products::searchQueryText).orElse(null);
        List<SearchIndex.Hit> all = new ArrayList<>();
        PageRequest page = PageRequest.first(PAGE);
        while (true) {
            List<SearchIndex.Hit> hits = index.search(query, tsquery, page);
            all.addAll(hits.subList(0, Math.min(PAGE, hits.size())));
            if (hits.size() <= PAGE) {
                return all;
            }
            SearchIndex.Hit last = all.getLast();
            page = new PageRequest(PAGE, Optional.of(Cursor.of(query.sort().wireName(), last.sortKey(),
                    last.productId().toString())));
        }
    }
}
