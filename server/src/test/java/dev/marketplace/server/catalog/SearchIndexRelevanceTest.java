package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.catalog.ListingQuery.ListingSort;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Relevance pages collected a segment at a time (decision 59) are the order the class comment of {@link SearchIndex}
 * defines — for each part of the query 1.0 for a title match plus 0.4 for a description match, summed, then product
 * id descending — over an index of many segments with replaced and removed documents, paged by cursors to the end,
 * with equal scores spread over segments.
 */
class SearchIndexRelevanceTest {

    private static final List<String> WORDS = List.of("tea", "green", "leaf", "cup", "pot", "rice");
    private final Random random = new Random(59);
    private final Map<UUID, String> documents = new HashMap<>();
    private SearchIndex index;

    @BeforeEach
    void manySegments() {
        index = new SearchIndex();
        List<UUID> ids = new ArrayList<>();
        for (int segment = 0; segment < 8; segment++) {
            for (int i = 0; i < 100; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                put(id);
            }
            for (int i = 0; i < 20; i++) { // replaced and removed documents leave deleted ones behind in older segments
                UUID changed = ids.get(random.nextInt(ids.size()));
                if (random.nextInt(4) == 0) {
                    index.remove(changed);
                    documents.remove(changed);
                } else {
                    put(changed);
                }
            }
            index.publish(); // a segment per publish, as the change listener makes them
        }
    }

    @AfterEach
    void close() {
        index.close();
    }

    @Test
    void oneWordPagedToTheEndIsScoreThenIdDescending() {
        for (String word : WORDS) {
            assertThat(allPages("'" + word + "'", 20)).as(word).containsExactlyElementsOf(expected(List.of(word)));
        }
    }

    @Test
    void twoWordsPagedToTheEndIsTheSumOfTheirScoresThenIdDescending() {
        assertThat(allPages("'tea' & 'green'", 13)).containsExactlyElementsOf(expected(List.of("tea", "green")));
        assertThat(allPages("'cup' & 'rice'", 50)).containsExactlyElementsOf(expected(List.of("cup", "rice")));
    }

    @Test
    void aFilterNarrowsTheSameOrder() {
        ListingQuery inStock = new ListingQuery(Optional.of("tea"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), true, Optional.empty(), ListingSort.RELEVANCE);
        List<SearchIndex.Hit> hits = index.search(inStock, "'tea'", PageRequest.first(30)).subList(0, 30);
        List<UUID> expectedInStock = expected(List.of("tea")).stream()
                .filter(id -> id.hashCode() % 2 == 0).limit(30).toList();
        assertThat(hits.stream().map(SearchIndex.Hit::productId).toList()).containsExactlyElementsOf(expectedInStock);
    }

    private void put(UUID id) {
        // Titles at positions 1-3 (weight A), descriptions at 10-12 (B): each word in either, both or neither.
        StringBuilder document = new StringBuilder();
        for (String word : WORDS) {
            int where = random.nextInt(4);
            List<String> positions = new ArrayList<>();
            if (where == 1 || where == 3) {
                positions.add((1 + random.nextInt(3)) + "A");
            }
            if (where == 2 || where == 3) {
                positions.add((10 + random.nextInt(3)) + "B");
            }
            if (!positions.isEmpty()) {
                document.append('\'').append(word).append("':").append(String.join(",", positions)).append(' ');
            }
        }
        String text = document.toString().strip();
        documents.put(id, text);
        index.put(new SearchIndex.Row(id, UUID.randomUUID(), UUID.randomUUID(), List.of(), "JPY", 1_000,
                Instant.parse("2026-12-06T00:00:00Z"), id.hashCode() % 2 == 0, 0, text, 0));
    }

    private List<UUID> allPages(String tsquery, int limit) {
        List<UUID> all = new ArrayList<>();
        ListingQuery query = new ListingQuery(Optional.of("text"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), false, Optional.empty(), ListingSort.RELEVANCE);
        PageRequest page = PageRequest.first(limit);
        while (true) {
            List<SearchIndex.Hit> hits = index.search(query, tsquery, page);
            List<SearchIndex.Hit> shown = hits.subList(0, Math.min(limit, hits.size()));
            shown.forEach(hit -> all.add(hit.productId()));
            if (hits.size() <= limit) {
                return all;
            }
            SearchIndex.Hit last = shown.getLast();
            Cursor cursor = Cursor.decode(Cursor.of("relevance", last.sortKey(), last.productId().toString()).encode(),
                    List.of(CursorKey.TEXT, CursorKey.TEXT, CursorKey.UUID)).orElseThrow();
            page = new PageRequest(limit, Optional.of(cursor));
        }
    }

    /** Every document with all the words, by the summed score, then id descending as PostgreSQL orders uuids. */
    private List<UUID> expected(List<String> words) {
        Map<UUID, Float> scores = new HashMap<>();
        documents.forEach((id, document) -> {
            float score = 0;
            for (String word : words) {
                int at = document.indexOf("'" + word + "':");
                if (at < 0) {
                    return;
                }
                int end = document.indexOf(' ', at);
                String positions = document.substring(at, end < 0 ? document.length() : end);
                score += (positions.contains("A") ? 1.0f : 0) + (positions.contains("B") ? 0.4f : 0);
            }
            scores.put(id, score);
        });
        return scores.keySet().stream()
                .sorted(Comparator.comparing((UUID id) -> scores.get(id)).reversed()
                        .thenComparing(UUID::toString, Comparator.reverseOrder()))
                .toList();
    }
}
