-- Storefront search: listing_search is the catalog's read model of listings, one row per product, holding what
-- listings filter, sort and search on — the search document, the listing price, whether the merchant is active and
-- whether some SKU is in stock — so that every listings query is one indexed query on one table, never a list of
-- inactive merchants nor a join into inventory. Triggers keep it current in the writing transaction, whichever code
-- path (one product, bulk upsert, demo data COPY, merchant status change, stock update) wrote. See decision 13.

-- Text as search sees it: NFKC (full-width Ａ is A, half-width ｶ is カ) and lower case.
CREATE FUNCTION search_fold(input text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(normalize(input, NFKC));

-- Runs of characters written without spaces between words: kana, CJK ideographs and Hangul syllables.
CREATE FUNCTION search_cjk_pattern() RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '[\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+';

-- The CJK runs of folded text as overlapping character bigrams at consecutive positions, each run ending with its
-- last character alone (有機緑茶 → 有機:1 機緑:2 緑茶:3 茶:4). A query's bigrams as a phrase (adjacent positions)
-- then match exactly where the text contains the query's characters in a row; a one-character query matches as a
-- prefix (every character starts a bigram or ends its run). Built as a tsvector literal, so no text-search parser
-- and no locale decides what a CJK "word" is. Positions stop at 16383, PostgreSQL's limit.
CREATE FUNCTION search_cjk_vector(folded text) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT coalesce(string_agg(format('''%s'':%s', token, least(pos, 16383)), ' ')::tsvector, ''::tsvector)
    FROM (
        SELECT substr(run.match[1], i, 2) AS token, row_number() OVER (ORDER BY run.number, i) AS pos
        FROM regexp_matches(folded, search_cjk_pattern(), 'g') WITH ORDINALITY AS run(match, number)
        CROSS JOIN LATERAL generate_series(1, char_length(run.match[1])) AS i
    ) tokens
);

-- One text's vector: English stems (the `english` configuration) of everything outside CJK runs, and the CJK bigrams.
CREATE FUNCTION search_vector(input text) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN to_tsvector('english', regexp_replace(search_fold(input), search_cjk_pattern(), ' ', 'g'))
       || search_cjk_vector(search_fold(input));

-- The values of a {language: text} object as one text, each on its own line.
CREATE FUNCTION search_texts(localized jsonb) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT coalesce(string_agg(value, E'\n'), '') FROM jsonb_each_text(localized));

-- A product's search document: its titles weighted A, its descriptions B (ranked lower).
CREATE FUNCTION search_document(title jsonb, description jsonb) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN setweight(search_vector(search_texts(title)), 'A') || setweight(search_vector(search_texts(description)), 'B');

-- What a storefront's q asks, built the way documents are: every English stem, and each CJK run as the phrase of
-- its bigrams (one CJK character: a prefix), all required. Words that are only stop words ask for nothing, and an
-- empty query matches nothing.
CREATE FUNCTION search_query(q text) RETURNS tsquery LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT coalesce(string_agg('(' || phrase || ')', ' & '), '')::tsquery
           && plainto_tsquery('english', regexp_replace(search_fold(q), search_cjk_pattern(), ' ', 'g'))
    FROM (
        SELECT CASE WHEN char_length(run.match[1]) = 1 THEN format('''%s'':*', run.match[1])
                    ELSE (SELECT string_agg(format('''%s''', substr(run.match[1], i, 2)), ' <-> ' ORDER BY i)
                          FROM generate_series(1, char_length(run.match[1]) - 1) AS i)
               END AS phrase
        FROM regexp_matches(search_fold(q), search_cjk_pattern(), 'g') AS run(match)
    ) phrases
);

CREATE TABLE listing_search (
    product_id       uuid        PRIMARY KEY REFERENCES product (id) ON DELETE CASCADE,
    merchant_id      uuid        NOT NULL,
    category_id      uuid        NOT NULL,
    currency         text        NOT NULL,
    min_price_amount bigint      NOT NULL,
    -- Set while the product is published.
    published_at     timestamptz,
    merchant_active  boolean     NOT NULL,
    -- Some variant has available stock (on_hand > reserved) at some location.
    in_stock         boolean     NOT NULL DEFAULT false,
    document         tsvector    NOT NULL
) WITH (fillfactor = 70);
-- Room on each page, and in_stock in no index (neither as a key nor in a partial index's predicate), so that a
-- stock flip is a HOT update: it rewrites the row on its page and touches no index — above all not the GIN index,
-- which would otherwise take every lexeme of the document again.

-- Every listings query filters on "listed": published and of an active merchant. The partial indexes below hold
-- listed rows only, so hiding a frozen merchant's products costs an update of its rows, never a longer query.
CREATE INDEX listing_search_document_idx ON listing_search USING gin (document)
    WHERE published_at IS NOT NULL AND merchant_active;
CREATE INDEX listing_search_newest_idx ON listing_search (published_at DESC, product_id DESC)
    WHERE published_at IS NOT NULL AND merchant_active;
CREATE INDEX listing_search_price_idx ON listing_search (currency, min_price_amount, product_id)
    WHERE published_at IS NOT NULL AND merchant_active;
CREATE INDEX listing_search_category_idx ON listing_search (category_id, published_at DESC, product_id DESC)
    WHERE published_at IS NOT NULL AND merchant_active;
-- Not partial: the merchant-status trigger updates all of a merchant's rows, listed or not.
CREATE INDEX listing_search_merchant_idx ON listing_search (merchant_id, published_at DESC, product_id DESC);

-- Listings read listing_search now; these served the listings query on product.
DROP INDEX product_listing_newest_idx;
DROP INDEX product_listing_price_idx;

-- Products: a row per product inserted; content, price and status copied on every update. The merchant's row is
-- share-locked before its status is read, so a concurrent status change waits for this transaction and then sees
-- (and updates) the new rows.
CREATE FUNCTION listing_search_add_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM merchant WHERE id IN (SELECT merchant_id FROM new_products) ORDER BY id FOR SHARE;
    INSERT INTO listing_search (product_id, merchant_id, category_id, currency, min_price_amount, published_at,
                                merchant_active, document)
    SELECT p.id, p.merchant_id, p.category_id, p.currency, p.min_price_amount, p.published_at,
           m.status = 'active', search_document(p.title, p.description)
    FROM new_products p JOIN merchant m ON m.id = p.merchant_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER product_listing_search_insert AFTER INSERT ON product
    REFERENCING NEW TABLE AS new_products FOR EACH STATEMENT EXECUTE FUNCTION listing_search_add_products();

CREATE FUNCTION listing_search_update_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listing_search s
    SET category_id = p.category_id, currency = p.currency, min_price_amount = p.min_price_amount,
        published_at = p.published_at,
        document = CASE WHEN (p.title, p.description) IS DISTINCT FROM (o.title, o.description)
                        THEN search_document(p.title, p.description) ELSE s.document END
    FROM new_products p JOIN old_products o ON o.id = p.id
    WHERE s.product_id = p.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER product_listing_search_update AFTER UPDATE ON product
    REFERENCING OLD TABLE AS old_products NEW TABLE AS new_products
    FOR EACH STATEMENT EXECUTE FUNCTION listing_search_update_products();

-- Merchants: becoming active or ceasing to be lists or hides all its products at once.
CREATE FUNCTION listing_search_merchant_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listing_search s SET merchant_active = (n.status = 'active')
    FROM new_merchants n JOIN old_merchants o ON o.id = n.id
    WHERE s.merchant_id = n.id AND (n.status = 'active') <> (o.status = 'active');
    RETURN NULL;
END
$$;
CREATE TRIGGER merchant_listing_search_status AFTER UPDATE ON merchant
    REFERENCING OLD TABLE AS old_merchants NEW TABLE AS new_merchants
    FOR EACH STATEMENT EXECUTE FUNCTION listing_search_merchant_status();

-- Stock: in_stock is recomputed for the products whose stock levels crossed zero available (either way). The rows
-- are locked first and the stock read by the next statement, which under READ COMMITTED sees every transaction
-- committed meanwhile: of two concurrent changes to one product's stock, the one locking last sees the other's,
-- so in_stock ends right whatever the interleaving.
CREATE FUNCTION listing_search_restock(products uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(products) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM listing_search WHERE product_id = ANY (products) ORDER BY product_id FOR UPDATE;
    UPDATE listing_search s SET in_stock = NOT s.in_stock
    WHERE s.product_id = ANY (products)
      AND s.in_stock <> EXISTS (SELECT 1 FROM product_variant v JOIN stock_level l ON l.variant_id = v.id
                                WHERE v.product_id = s.product_id AND l.on_hand > l.reserved);
END
$$;

CREATE FUNCTION listing_search_stock_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM listing_search_restock(ARRAY(
        SELECT DISTINCT v.product_id FROM new_levels n JOIN product_variant v ON v.id = n.variant_id
        WHERE n.on_hand > n.reserved));
    RETURN NULL;
END
$$;
CREATE TRIGGER stock_listing_search_insert AFTER INSERT ON stock_level
    REFERENCING NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION listing_search_stock_inserted();

CREATE FUNCTION listing_search_stock_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Old and new rows are paired by grouping, not by a join: transition tables have no statistics, and a
    -- nested-loop join of a 10,000-row bulk update's old and new rows makes 10^8 comparisons.
    PERFORM listing_search_restock(ARRAY(
        SELECT DISTINCT v.product_id
        FROM product_variant v
        WHERE v.id = ANY (ARRAY(
            SELECT variant_id
            FROM (SELECT variant_id, location_id, on_hand > reserved AS available FROM new_levels
                  UNION ALL
                  SELECT variant_id, location_id, on_hand > reserved FROM old_levels) levels
            GROUP BY variant_id, location_id
            HAVING bool_or(available) <> bool_and(available)))));
    RETURN NULL;
END
$$;
CREATE TRIGGER stock_listing_search_update AFTER UPDATE ON stock_level
    REFERENCING OLD TABLE AS old_levels NEW TABLE AS new_levels
    FOR EACH STATEMENT EXECUTE FUNCTION listing_search_stock_updated();

-- A deleted stock level with stock, and a deleted variant (whose levels went with it, so they no longer name
-- their product): recompute those products.
CREATE FUNCTION listing_search_stock_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM listing_search_restock(ARRAY(
        SELECT DISTINCT v.product_id FROM old_levels o JOIN product_variant v ON v.id = o.variant_id
        WHERE o.on_hand > o.reserved));
    RETURN NULL;
END
$$;
CREATE TRIGGER stock_listing_search_delete AFTER DELETE ON stock_level
    REFERENCING OLD TABLE AS old_levels FOR EACH STATEMENT EXECUTE FUNCTION listing_search_stock_deleted();

CREATE FUNCTION listing_search_variants_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM listing_search_restock(ARRAY(SELECT DISTINCT product_id FROM old_variants));
    RETURN NULL;
END
$$;
CREATE TRIGGER variant_listing_search_delete AFTER DELETE ON product_variant
    REFERENCING OLD TABLE AS old_variants FOR EACH STATEMENT EXECUTE FUNCTION listing_search_variants_deleted();
