package dev.marketplace.server.catalog;

import dev.marketplace.server.catalog.ListingQuery.ListingSort;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.SortedMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.nio.file.Path;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.FilterMergePolicy;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.MergeTrigger;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * The listed products in an in-process Lucene index, for the storefront's listings queries (decision 47): one
 * document per listed product with what listings filter and sort on, and the search document's lexemes exactly as
 * PostgreSQL computed them (listing_search.document), at PostgreSQL's positions. A query is PostgreSQL's own
 * search_query of the text, so both answer with the same products: every English stem and every CJK phrase of
 * bigrams is required, a single CJK character is a prefix. Relevance adds, for each part of the query, 1.0 when it
 * matches the title and 0.4 when it matches the description (ts_rank's weights for titles and descriptions), then
 * product id descending: as with ts_rank, title and description before title only before description only;
 * occurrence counts and distances, which ts_rank also weighs, are left out.
 *
 * <p>Changed by one thread at a time (the notification listener), searched by any number.
 */
final class SearchIndex implements AutoCloseable {

    /**
     * A listed product's row of the read model. {@code document} is the tsvector's text form; {@code version} names the
     * row versions it was read from (see {@link ProductRepository#forEachListedVersion}).
     */
    record Row(UUID productId, UUID merchantId, UUID categoryId, List<UUID> categoryAncestorIds, String currency,
               long minPrice, Instant publishedAt, boolean inStock, int ratingHundredths, String document,
               long version) {
    }

    /** A product in a result, with its sort key as the listings cursor carries it. */
    record Hit(UUID productId, String sortKey) {
    }

    /** A search text that the index cannot express (PostgreSQL answers it instead). */
    static final class UnsupportedQuery extends RuntimeException {
        UnsupportedQuery(String tsquery) {
            super("not a conjunction of terms, prefixes and phrases: " + tsquery);
        }
    }

    private static final String ID = "id";
    private static final String MERCHANT = "merchant";
    private static final String CATEGORY = "category";
    private static final String CURRENCY = "currency";
    private static final String PRICE = "price";
    private static final String PUBLISHED = "published";
    private static final String IN_STOCK = "in_stock";
    private static final String RATING = "rating";
    private static final String VERSION = "version";
    /** Every lexeme of the document; what matching uses. */
    private static final String TEXT = "text";
    /** The title's lexemes (weight A) and the description's (B): what relevance adds for. */
    private static final String TITLE = "title";
    private static final String DESCRIPTION = "description";
    private static final float TITLE_MATCH = 1.0f;
    private static final float DESCRIPTION_MATCH = 0.4f;
    private static final FieldType LEXEMES = lexemes();

    private final ByteBuffersDirectory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;

    /** An empty index. */
    SearchIndex() {
        this(new ByteBuffersDirectory(), IndexWriterConfig.OpenMode.CREATE);
    }

    private SearchIndex(ByteBuffersDirectory directory, IndexWriterConfig.OpenMode mode) {
        this.directory = directory;
        try {
            this.writer = new IndexWriter(directory, new IndexWriterConfig().setOpenMode(mode).setRAMBufferSizeMB(16)
                    .setIndexSort(new Sort(idSort(true))).setMergePolicy(new FewSmallSegments()));
            this.searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The index saved in {@code saved} by {@link #saveTo}, read into memory; every file's checksum is verified first,
     * so a damaged or cut-off file is an exception, not a wrong answer later. Its two steps are named to
     * {@code partEnded} as they end.
     */
    static SearchIndex readFrom(Path saved, Consumer<String> partEnded) throws IOException {
        ByteBuffersDirectory copy = new ByteBuffersDirectory();
        try (FSDirectory files = FSDirectory.open(saved)) {
            SegmentInfos commit = SegmentInfos.readLatestCommit(files);
            for (String file : commit.files(true)) {
                // Checked in the copy: each file is read from disk once (decision 125).
                copy.copyFrom(files, file, file, IOContext.READONCE);
                try (IndexInput input = copy.openInput(file, IOContext.READONCE)) {
                    CodecUtil.checksumEntireFile(input);
                }
            }
        } catch (IOException | RuntimeException e) {
            copy.close();
            throw e;
        }
        partEnded.accept("files read and checked");
        SearchIndex index = new SearchIndex(copy, IndexWriterConfig.OpenMode.APPEND);
        partEnded.accept("writer and searcher opened");
        return index;
    }

    /**
     * Commits the index with {@code data} and copies the commit's files into the empty directory {@code target},
     * synced to disk, with the commit's versions beside them ({@link ListedVersions#FILE}). Changes made meanwhile (by
     * the listener) go on; the commit holds each document whole.
     */
    void saveTo(Path target, Map<String, String> data) throws IOException {
        writer.setLiveCommitData(data.entrySet());
        writer.commit();
        SegmentInfos commit = SegmentInfos.readLatestCommit(directory);
        ListedVersions versions;
        try (DirectoryReader committed = DirectoryReader.open(directory)) { // saves are one at a time: this commit
            versions = versions(committed);
        }
        try (FSDirectory files = FSDirectory.open(target)) {
            List<String> names = new ArrayList<>(commit.files(true));
            for (String file : names) {
                files.copyFrom(directory, file, file, IOContext.DEFAULT);
            }
            versions.writeTo(files);
            names.add(ListedVersions.FILE);
            files.sync(names);
            files.syncMetaData();
        }
    }

    /** The data of the commit this index was read from ({@link #readFrom}); empty for a new index. */
    Map<String, String> savedData() {
        Map<String, String> data = new HashMap<>();
        Iterable<Map.Entry<String, String>> live = writer.getLiveCommitData();
        if (live != null) {
            live.forEach(entry -> data.put(entry.getKey(), entry.getValue()));
        }
        return data;
    }

    /** The row version of every product in the index (as searches see it). */
    ListedVersions versions() {
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                return versions(searcher.getIndexReader());
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ListedVersions versions(IndexReader reader) throws IOException {
        ListedVersions.Builder versions = new ListedVersions.Builder(reader.numDocs());
        for (LeafReaderContext leaf : reader.leaves()) {
            SortedDocValues ids = DocValues.getSorted(leaf.reader(), ID);
            NumericDocValues rowVersions = DocValues.getNumeric(leaf.reader(), VERSION);
            Bits live = leaf.reader().getLiveDocs();
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                if ((live != null && !live.get(doc)) || !ids.advanceExact(doc)) {
                    continue;
                }
                long version = rowVersions.advanceExact(doc) ? rowVersions.longValue() : 0;
                versions.add(uuid(ids.lookupOrd(ids.ordValue())), version);
            }
        }
        return versions.build();
    }

    /**
     * The product id a document's {@code id} field holds (a UUID's 36 characters), read without a String in between:
     * an index's versions are listed at every save and in-memory catch-up, 100,000 of them for the demo catalog
     * (decision 125).
     */
    static UUID uuid(BytesRef id) {
        if (id.length != 36) {
            throw new IllegalStateException("not a product id: " + id.utf8ToString());
        }
        long mostSignificant = 0;
        long leastSignificant = 0;
        for (int i = 0; i < 36; i++) {
            int c = id.bytes[id.offset + i];
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    throw new IllegalStateException("not a product id: " + id.utf8ToString());
                }
                continue;
            }
            int digit = Character.digit(c, 16);
            if (digit < 0) {
                throw new IllegalStateException("not a product id: " + id.utf8ToString());
            }
            if (i < 18) {
                mostSignificant = mostSignificant << 4 | digit;
            } else {
                leastSignificant = leastSignificant << 4 | digit;
            }
        }
        return new UUID(mostSignificant, leastSignificant);
    }

    private static FieldType lexemes() {
        FieldType type = new FieldType();
        type.setTokenized(true);
        type.setOmitNorms(true);
        type.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS);
        type.freeze();
        return type;
    }

    /** Empties the index (before it is filled again from the read model). */
    void clear() {
        try {
            writer.deleteAll();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds or replaces the product's document. */
    void put(Row row) {
        try {
            writer.updateDocument(new Term(ID, row.productId().toString()), document(row));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the product's document, if there is one. */
    void remove(UUID productId) {
        try {
            writer.deleteDocuments(new Term(ID, productId.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes every change so far visible to searches that start after this returns. */
    void publish() {
        try {
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Document document(Row row) {
        Document document = new Document();
        String id = row.productId().toString();
        document.add(new StringField(ID, id, Field.Store.NO));
        document.add(new SortedDocValuesField(ID, new BytesRef(id)));
        document.add(new StringField(MERCHANT, row.merchantId().toString(), Field.Store.NO));
        document.add(new StringField(CATEGORY, row.categoryId().toString(), Field.Store.NO));
        for (UUID ancestor : row.categoryAncestorIds()) {
            document.add(new StringField(CATEGORY, ancestor.toString(), Field.Store.NO));
        }
        document.add(new StringField(CURRENCY, row.currency(), Field.Store.NO));
        document.add(new LongPoint(PRICE, row.minPrice()));
        document.add(new NumericDocValuesField(PRICE, row.minPrice()));
        document.add(new LongPoint(PUBLISHED, epochMicros(row.publishedAt())));
        document.add(new NumericDocValuesField(PUBLISHED, epochMicros(row.publishedAt())));
        document.add(new StringField(IN_STOCK, String.valueOf(row.inStock()), Field.Store.NO));
        document.add(new IntPoint(RATING, row.ratingHundredths()));
        document.add(new NumericDocValuesField(RATING, row.ratingHundredths()));
        document.add(new NumericDocValuesField(VERSION, row.version()));
        List<TsVector.Lexeme> lexemes = TsVector.parse(row.document());
        document.add(new Field(TEXT, new Lexemes(lexemes), LEXEMES));
        document.add(new Field(TITLE, new Lexemes(lexemes.stream().filter(TsVector.Lexeme::title).toList()), LEXEMES));
        document.add(new Field(DESCRIPTION, new Lexemes(lexemes.stream().filter(lexeme -> !lexeme.title()).toList()),
                LEXEMES));
        return document;
    }

    /**
     * The listed products that {@code query} asks for, in its order, after the page's cursor, {@code page.fetchSize()}
     * at most. {@code tsquery} is PostgreSQL's search_query of the query's text (present with a text).
     */
    List<Hit> search(ListingQuery query, String tsquery, PageRequest page) {
        List<TsQuery.Part> parts = query.text().isEmpty() ? null
                : TsQuery.parse(tsquery).orElseThrow(() -> new UnsupportedQuery(tsquery));
        List<Query> filters = new ArrayList<>();
        query.categoryId().ifPresent(id -> filters.add(new TermQuery(new Term(CATEGORY, id.toString()))));
        query.merchantId().ifPresent(id -> filters.add(new TermQuery(new Term(MERCHANT, id.toString()))));
        query.currency().ifPresent(code -> filters.add(new TermQuery(new Term(CURRENCY, code))));
        if (query.minPrice().isPresent() || query.maxPrice().isPresent()) {
            filters.add(LongPoint.newRangeQuery(PRICE, query.minPrice().orElse(Long.MIN_VALUE),
                    query.maxPrice().orElse(Long.MAX_VALUE)));
        }
        if (query.inStockOnly()) {
            filters.add(new TermQuery(new Term(IN_STOCK, "true")));
        }
        query.minRating().ifPresent(stars -> filters.add(IntPoint.newRangeQuery(RATING, stars * 100, Integer.MAX_VALUE)));
        if (parts != null && parts.isEmpty()) {
            return List.of(); // the search text asks for nothing (only stop words)
        }
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                if (query.sort() == ListingSort.RELEVANCE && parts.size() == 1) {
                    return mostRelevant(searcher, parts, filters, page);
                }
                int maxDoc = searcher.getIndexReader().maxDoc();
                if (maxDoc == 0) {
                    return List.of();
                }
                BooleanQuery.Builder matching = new BooleanQuery.Builder();
                if (parts == null) {
                    matching.add(MatchAllDocsQuery.INSTANCE, Occur.FILTER);
                } else if (query.sort() == ListingSort.RELEVANCE) {
                    matching.add(scoredTextQuery(parts), Occur.MUST);
                } else {
                    parts.forEach(part -> matching.add(luceneQuery(TEXT, part), Occur.FILTER));
                }
                filters.forEach(filter -> matching.add(filter, Occur.FILTER));
                FieldDoc after = page.after().map(cursor -> after(query.sort(), cursor.keys().get(1),
                        cursor.keys().get(2), maxDoc - 1)).orElse(null);
                // Counting no more hits than a page lets the first sort key skip what cannot make the page (points).
                TopFieldDocs found = searcher.search(matching.build(),
                        new TopFieldCollectorManager(sortOf(query.sort()), page.fetchSize(), after, page.fetchSize()));
                List<Hit> hits = new ArrayList<>(found.scoreDocs.length);
                for (ScoreDoc scoreDoc : found.scoreDocs) {
                    Object[] keys = ((FieldDoc) scoreDoc).fields;
                    hits.add(new Hit(UUID.fromString(((BytesRef) keys[1]).utf8ToString()),
                            sortKey(query.sort(), keys[0])));
                }
                return hits;
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Relevance order — score descending, then product id descending — without scoring every match. A product's score
     * is 1.0 for each part of the query found in its title plus 0.4 for each found in its description: it depends only
     * on how many parts match titles ({@code t}) and how many match descriptions ({@code d}). So the matches fall into
     * at most (parts + 1)² levels, one per score, each expressible as a query ("every part anywhere, at least t in
     * titles and not t + 1, at least d in descriptions and not d + 1"). Levels are read from the highest score down
     * until the page is full. Within a level every product has the same score, so the order is product id descending,
     * which is each segment's document order (the index sort): a segment gives its first documents of the level and no
     * more, and the segments' documents are merged by id. A frequent word thus costs about a page of documents per
     * segment and level read, instead of scoring every document that contains it (decision 59). Used for a query of
     * one part (four levels): with more, most levels are empty and each costs a query's set-up, so their matches
     * are scored instead (measured: two words cost more read by levels than scored).
     */
    private static List<Hit> mostRelevant(IndexSearcher searcher, List<TsQuery.Part> parts, List<Query> filters,
                                          PageRequest page) throws IOException {
        float afterScore = page.after().map(cursor -> Float.parseFloat(cursor.keys().get(1))).orElse(Float.NaN);
        BytesRef afterId = page.after().map(cursor -> new BytesRef(cursor.keys().get(2))).orElse(null);
        List<Hit> hits = new ArrayList<>(page.fetchSize());
        for (Map.Entry<Float, Query> level : levels(parts, filters).entrySet()) {
            float score = level.getKey();
            if (afterId != null && score > afterScore) {
                continue;
            }
            BytesRef below = afterId != null && score == afterScore ? afterId : null;
            List<BytesRef> ids = firstIds(searcher, level.getValue(), page.fetchSize() - hits.size(), below);
            for (BytesRef id : ids) {
                hits.add(new Hit(UUID.fromString(id.utf8ToString()), String.valueOf(score)));
            }
            if (hits.size() == page.fetchSize()) {
                break;
            }
        }
        return hits;
    }

    /** The query of each score a match can have, highest first (equal scores of different t and d share one). */
    private static SortedMap<Float, Query> levels(List<TsQuery.Part> parts, List<Query> filters) {
        List<Query> titles = parts.stream().map(part -> luceneQuery(TITLE, part)).toList();
        List<Query> descriptions = parts.stream().map(part -> luceneQuery(DESCRIPTION, part)).toList();
        SortedMap<Float, List<Query>> byScore = new TreeMap<>(Comparator.reverseOrder());
        for (int t = 0; t <= parts.size(); t++) {
            for (int d = 0; d <= parts.size(); d++) {
                BooleanQuery.Builder level = new BooleanQuery.Builder();
                parts.forEach(part -> level.add(luceneQuery(TEXT, part), Occur.FILTER));
                exactly(level, titles, t);
                exactly(level, descriptions, d);
                // The sum as Lucene's scorers made it for the same matches (in double, then rounded to float).
                float score = (float) (t * (double) TITLE_MATCH + d * (double) DESCRIPTION_MATCH);
                byScore.computeIfAbsent(score, key -> new ArrayList<>()).add(level.build());
            }
        }
        SortedMap<Float, Query> levels = new TreeMap<>(Comparator.reverseOrder());
        byScore.forEach((score, queries) -> {
            BooleanQuery.Builder level = new BooleanQuery.Builder();
            if (queries.size() == 1) {
                level.add(queries.getFirst(), Occur.FILTER);
            } else {
                BooleanQuery.Builder any = new BooleanQuery.Builder();
                queries.forEach(query -> any.add(query, Occur.SHOULD));
                level.add(any.setMinimumNumberShouldMatch(1).build(), Occur.FILTER);
            }
            filters.forEach(filter -> level.add(filter, Occur.FILTER));
            levels.put(score, level.build());
        });
        return levels;
    }

    /** Requires exactly {@code count} of these queries to match. */
    private static void exactly(BooleanQuery.Builder query, List<Query> these, int count) {
        if (count > 0) {
            query.add(atLeast(these, count), Occur.FILTER);
        }
        if (count < these.size()) {
            query.add(atLeast(these, count + 1), Occur.MUST_NOT);
        }
    }

    private static Query atLeast(List<Query> these, int count) {
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        these.forEach(query -> any.add(query, Occur.SHOULD));
        return any.setMinimumNumberShouldMatch(count).build();
    }

    /**
     * The product ids of the first {@code size} documents matching {@code query} in product id order (descending),
     * those below {@code below} only if it is given: each segment's first documents, merged.
     */
    private static List<BytesRef> firstIds(IndexSearcher searcher, Query query, int size, BytesRef below)
            throws IOException {
        Weight weight = searcher.createWeight(searcher.rewrite(query), ScoreMode.COMPLETE_NO_SCORES, 1f);
        List<BytesRef> ids = new ArrayList<>();
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            ScorerSupplier supplier = weight.scorerSupplier(leaf);
            if (supplier == null) {
                continue;
            }
            DocIdSetIterator matches = supplier.get(size).iterator();
            SortedDocValues productIds = DocValues.getSorted(leaf.reader(), ID);
            int belowOrd = below == null ? Integer.MAX_VALUE : productIds.lookupTerm(below);
            int firstOrdBelow = belowOrd >= 0 ? belowOrd : -belowOrd - 1; // an ordinal under it is a lower id
            Bits live = leaf.reader().getLiveDocs();
            int found = 0;
            for (int doc = matches.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS && found < size;
                 doc = matches.nextDoc()) {
                if (live != null && !live.get(doc)) {
                    continue;
                }
                if (!productIds.advanceExact(doc)) {
                    throw new IllegalStateException("a listing without its product id");
                }
                if (below != null && productIds.ordValue() >= firstOrdBelow) {
                    continue;
                }
                ids.add(BytesRef.deepCopyOf(productIds.lookupOrd(productIds.ordValue())));
                found++;
            }
        }
        ids.sort(Comparator.reverseOrder());
        return ids.subList(0, Math.min(size, ids.size()));
    }

    /**
     * Every part required anywhere in the document; scored as the class comment says (for several parts, whose levels
     * are too many to read one by one: see {@link #mostRelevant}).
     */
    private static Query scoredTextQuery(List<TsQuery.Part> parts) {
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        for (TsQuery.Part part : parts) {
            all.add(luceneQuery(TEXT, part), Occur.FILTER)
                    .add(new BoostQuery(new ConstantScoreQuery(luceneQuery(TITLE, part)), TITLE_MATCH), Occur.SHOULD)
                    .add(new BoostQuery(new ConstantScoreQuery(luceneQuery(DESCRIPTION, part)), DESCRIPTION_MATCH),
                            Occur.SHOULD);
        }
        return all.build();
    }

    private static Query luceneQuery(String field, TsQuery.Part part) {
        if (part.prefix()) {
            return new PrefixQuery(new Term(field, part.lexemes().getFirst()));
        }
        if (part.lexemes().size() == 1) {
            return new TermQuery(new Term(field, part.lexemes().getFirst()));
        }
        PhraseQuery.Builder phrase = new PhraseQuery.Builder();
        for (int i = 0; i < part.lexemes().size(); i++) {
            phrase.add(new Term(field, part.lexemes().get(i)), part.positions().get(i));
        }
        return phrase.build();
    }

    private static Sort sortOf(ListingSort sort) {
        return switch (sort) {
            case RELEVANCE -> new Sort(SortField.FIELD_SCORE, idSort(true));
            case NEWEST -> new Sort(new SortField(PUBLISHED, SortField.Type.LONG, true), idSort(true));
            case PRICE_ASC -> new Sort(new SortField(PRICE, SortField.Type.LONG, false), idSort(false));
            case PRICE_DESC -> new Sort(new SortField(PRICE, SortField.Type.LONG, true), idSort(true));
            case RATING_DESC -> new Sort(new SortField(RATING, SortField.Type.INT, true), idSort(true));
        };
    }

    /** PostgreSQL orders uuids by their bytes, which is the order of their lower-case text form. */
    private static SortField idSort(boolean descending) {
        return new SortField(ID, SortField.Type.STRING, descending);
    }

    /** Where a page ends, from a cursor's sort key and product id (as {@link #sortKey} wrote them). */
    private static FieldDoc after(ListingSort sort, String key, String productId, int lastDoc) {
        Object sortValue = switch (sort) {
            case RELEVANCE -> Float.parseFloat(key);
            case NEWEST -> epochMicros(OffsetDateTime.parse(key).toInstant());
            case PRICE_ASC, PRICE_DESC -> Long.parseLong(key);
            case RATING_DESC -> Integer.parseInt(key);
        };
        float score = sort == ListingSort.RELEVANCE ? (Float) sortValue : Float.NaN;
        // The last doc id: of documents equal in every sort key (only this product itself) none follows the cursor.
        return new FieldDoc(lastDoc, score, new Object[] {sortValue, new BytesRef(productId)});
    }

    /** The sort key as PostgreSQL's listings put it in cursors, so that either can continue the other's pages. */
    private static String sortKey(ListingSort sort, Object value) {
        return switch (sort) {
            case NEWEST -> OffsetDateTime.ofInstant(Instant.EPOCH.plus((Long) value, ChronoUnit.MICROS), ZoneOffset.UTC)
                    .toString();
            case RELEVANCE, PRICE_ASC, PRICE_DESC, RATING_DESC -> String.valueOf(value);
        };
    }

    private static long epochMicros(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    /**
     * Whether a listed product is in this category or below it. A category that products are in cannot be deleted
     * (nor one with children), so this proves that the category exists without asking PostgreSQL.
     */
    boolean listsCategory(UUID categoryId) {
        BytesRef category = new BytesRef(categoryId.toString());
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                    PostingsEnum products = leaf.reader().postings(new Term(CATEGORY, category), PostingsEnum.NONE);
                    if (products == null) {
                        continue;
                    }
                    Bits live = leaf.reader().getLiveDocs();
                    for (int doc = products.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = products.nextDoc()) {
                        if (live == null || live.get(doc)) {
                            return true;
                        }
                    }
                }
                return false;
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The heap the index takes: its files (all in memory) and the writer's buffer of documents not yet flushed. */
    long bytes() {
        try {
            long bytes = writer.ramBytesUsed();
            for (String file : directory.listAll()) {
                bytes += directory.fileLength(file);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many segments the index has (as searches see it). */
    int segments() {
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                return searcher.getIndexReader().leaves().size();
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many products the index holds (as searches see it). */
    int size() {
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                return searcher.getIndexReader().numDocs();
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Lucene's tiered merging, and besides it: the small segments that applying changes adds (each publish of a change
     * writes one) are merged into one as soon as there are more than {@value #MOST_SMALL_SEGMENTS}, at the publish
     * itself (merge on refresh). Every search reads every segment — a term look-up per part of the query and level —
     * so with tiered merging alone, which lets about ten small segments gather, a search under ten listing changes a
     * second cost 2.3 times the CPU and 2.8 times the allocation of one on an index without changes (decision 69).
     * Small means under a tenth of the largest segment: merging those is cheap, the large ones are left to the tiers.
     */
    private static final class FewSmallSegments extends FilterMergePolicy {
        private static final int MOST_SMALL_SEGMENTS = 2;
        private static final int SMALL_FRACTION_OF_LARGEST = 10;

        FewSmallSegments() {
            super(new TieredMergePolicy());
        }

        @Override
        public MergeSpecification findMerges(MergeTrigger trigger, SegmentInfos segments, MergeContext context)
                throws IOException {
            MergeSpecification small = mergeOfSmallSegments(segments, context);
            return small != null ? small : super.findMerges(trigger, segments, context);
        }

        @Override
        public MergeSpecification findFullFlushMerges(MergeTrigger trigger, SegmentInfos segments, MergeContext context)
                throws IOException {
            MergeSpecification small = mergeOfSmallSegments(segments, context);
            return small != null ? small : super.findFullFlushMerges(trigger, segments, context);
        }

        private MergeSpecification mergeOfSmallSegments(SegmentInfos segments, MergeContext context)
                throws IOException {
            long largest = 0;
            for (SegmentCommitInfo segment : segments) {
                largest = Math.max(largest, size(segment, context));
            }
            List<SegmentCommitInfo> small = new ArrayList<>();
            for (SegmentCommitInfo segment : segments) {
                if (!context.getMergingSegments().contains(segment)
                        && size(segment, context) < largest / SMALL_FRACTION_OF_LARGEST) {
                    small.add(segment);
                }
            }
            if (small.size() <= MOST_SMALL_SEGMENTS) {
                return null;
            }
            MergeSpecification merge = new MergeSpecification();
            merge.add(new OneMerge(small));
            return merge;
        }
    }

    /** Lexemes at their tsvector positions, already analysed by PostgreSQL. */
    private static final class Lexemes extends TokenStream {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final PositionIncrementAttribute increment = addAttribute(PositionIncrementAttribute.class);
        private final List<TsVector.Lexeme> lexemes;
        private int next;
        private int position;

        Lexemes(List<TsVector.Lexeme> lexemes) {
            this.lexemes = lexemes.stream().sorted(Comparator.comparingInt(TsVector.Lexeme::position)).toList();
        }

        @Override
        public boolean incrementToken() {
            if (next == lexemes.size()) {
                return false;
            }
            clearAttributes();
            TsVector.Lexeme lexeme = lexemes.get(next++);
            term.setEmpty().append(lexeme.text());
            increment.setPositionIncrement(lexeme.position() - position);
            position = lexeme.position();
            return true;
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            next = 0;
            position = 0;
        }
    }
}
