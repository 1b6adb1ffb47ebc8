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
import java.util.List;
import java.util.UUID;
import org.apache.lucene.analysis.TokenStream;
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
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
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

    /** A listed product's row of the read model. {@code document} is the tsvector's text form. */
    record Row(UUID productId, UUID merchantId, UUID categoryId, List<UUID> categoryAncestorIds, String currency,
               long minPrice, Instant publishedAt, boolean inStock, int ratingHundredths, String document) {
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
    /** Every lexeme of the document; what matching uses. */
    private static final String TEXT = "text";
    /** The title's lexemes (weight A) and the description's (B): what relevance adds for. */
    private static final String TITLE = "title";
    private static final String DESCRIPTION = "description";
    private static final float TITLE_MATCH = 1.0f;
    private static final float DESCRIPTION_MATCH = 0.4f;
    private static final FieldType LEXEMES = lexemes();

    private final IndexWriter writer;
    private final SearcherManager searchers;

    SearchIndex() {
        try {
            this.writer = new IndexWriter(new ByteBuffersDirectory(),
                    new IndexWriterConfig().setOpenMode(IndexWriterConfig.OpenMode.CREATE).setRAMBufferSizeMB(16));
            this.searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        document.add(new NumericDocValuesField(PUBLISHED, epochMicros(row.publishedAt())));
        document.add(new StringField(IN_STOCK, String.valueOf(row.inStock()), Field.Store.NO));
        document.add(new IntPoint(RATING, row.ratingHundredths()));
        document.add(new NumericDocValuesField(RATING, row.ratingHundredths()));
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
        BooleanQuery.Builder builder = new BooleanQuery.Builder()
                .add(query.text().isPresent() ? textQuery(tsquery) : new MatchAllDocsQuery(), Occur.MUST);
        query.categoryId().ifPresent(id -> builder.add(new TermQuery(new Term(CATEGORY, id.toString())), Occur.FILTER));
        query.merchantId().ifPresent(id -> builder.add(new TermQuery(new Term(MERCHANT, id.toString())), Occur.FILTER));
        query.currency().ifPresent(code -> builder.add(new TermQuery(new Term(CURRENCY, code)), Occur.FILTER));
        if (query.minPrice().isPresent() || query.maxPrice().isPresent()) {
            builder.add(LongPoint.newRangeQuery(PRICE, query.minPrice().orElse(Long.MIN_VALUE),
                    query.maxPrice().orElse(Long.MAX_VALUE)), Occur.FILTER);
        }
        if (query.inStockOnly()) {
            builder.add(new TermQuery(new Term(IN_STOCK, "true")), Occur.FILTER);
        }
        query.minRating().ifPresent(stars ->
                builder.add(IntPoint.newRangeQuery(RATING, stars * 100, Integer.MAX_VALUE), Occur.FILTER));
        Sort sort = sortOf(query.sort());
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                int maxDoc = searcher.getIndexReader().maxDoc();
                if (maxDoc == 0) {
                    return List.of();
                }
                FieldDoc after = page.after().map(cursor -> after(query.sort(), cursor.keys().get(1),
                        cursor.keys().get(2), maxDoc - 1)).orElse(null);
                TopFieldDocs found = searcher.searchAfter(after, builder.build(), page.fetchSize(), sort, false);
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
     * Every part of the query required anywhere in the document (matching exactly as PostgreSQL's {@code @@} does);
     * relevance as the class comment says.
     */
    private static Query textQuery(String tsquery) {
        List<TsQuery.Part> parts = TsQuery.parse(tsquery).orElseThrow(() -> new UnsupportedQuery(tsquery));
        if (parts.isEmpty()) {
            return new MatchNoDocsQuery("the search text asks for nothing (only stop words)");
        }
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
