-- The product feed's entry text kept beside each product (decision 120). A catch-up reads a million feed entries;
-- building each product's ~1.35 kB of JSON text by concatenation on every read was most of PostgreSQL's share of a
-- page (decision 112). Now the text is built once when the product or one of its variants is written, and a feed
-- page only joins it.
--
-- Built at commit (deferred constraint triggers), so it sees the transaction's final product and variants: a product
-- update writes the product row first and its variants after, and V49's triggers may write the row once more. Each
-- product's text is built once per transaction however many of its rows fired. The text is the same JSON as the
-- other product endpoints write (ChangeFeedIT holds the two equal); times are written in UTC with "Z", as pgjdbc reads
-- them whatever the session's zone. A deleted product's entry goes with it.

CREATE TABLE product_feed_entry (
    product_id uuid PRIMARY KEY REFERENCES product (id) ON DELETE CASCADE,
    -- The transaction that built the text: later rows of the same product in that transaction build nothing more.
    built_by   xid8 NOT NULL,
    product    text NOT NULL
)
-- Kept in the row and uncompressed up to a page (~8 kB): a feed page reads them all, and decompressing or fetching
-- them from TOAST would cost every read what keeping them saved.
WITH (toast_tuple_target = 8160);
ALTER TABLE product_feed_entry ALTER COLUMN product SET STORAGE MAIN;

CREATE FUNCTION json_time_utc(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT rtrim(to_json(t AT TIME ZONE 'UTC')::text, '"') || 'Z"'
$$;

-- The product's JSON as JSON-B writes ProductResource (members in lexicographic order, absent values left out).
-- Values that cannot hold a quote, a backslash or a control character (uuids; status and SKU by their CHECKs) are
-- quoted as they are, free text goes through to_json, the jsonb maps are written as stored (decisions 104, 112).
CREATE FUNCTION keep_product_feed_entry(changed uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM FROM product_feed_entry WHERE product_id = changed AND built_by = pg_current_xact_id();
    IF FOUND THEN
        RETURN;
    END IF;
    INSERT INTO product_feed_entry (product_id, built_by, product)
    SELECT p.id, pg_current_xact_id(),
           '{"attributes":' || p.attributes::text
           || ',"categoryId":"' || p.category_id || '","complianceFindings":' || p.compliance_findings::text
           || ',"createdAt":' || json_time_utc(p.created_at) || ',"description":' || p.description::text
           || coalesce(',"externalId":' || to_json(p.external_id)::text, '')
           || coalesce(',"handlingDays":' || p.handling_days, '')
           || ',"id":"' || p.id || '","imageUrls":' || to_json(p.image_urls)::text
           || ',"merchantId":"' || p.merchant_id || '"'
           || coalesce(',"publishedAt":' || json_time_utc(p.published_at), '')
           || ',"rejectionReasons":' || to_json(p.rejection_reasons)::text
           || ',"status":"' || p.status || '","title":' || p.title::text
           || ',"updatedAt":' || json_time_utc(p.updated_at)
           || ',"variants":[' || coalesce((SELECT string_agg('{"attributes":' || v.attributes::text
                  || coalesce(',"compareAtPrice":{"amount":' || v.compare_at_amount
                              || ',"currency":"' || v.price_currency || '"}', '')
                  || ',"id":"' || v.id || '","price":{"amount":' || v.price_amount
                  || ',"currency":"' || v.price_currency || '"},"sku":"' || v.sku || '"}', ',' ORDER BY v.position)
              FROM product_variant v WHERE v.product_id = p.id), '')
           || '],"version":' || p.version || '}'
    FROM product p WHERE p.id = changed
    ON CONFLICT (product_id) DO UPDATE SET built_by = EXCLUDED.built_by, product = EXCLUDED.product;
END
$$;

CREATE FUNCTION keep_feed_entry_of_product() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM keep_product_feed_entry(NEW.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION keep_feed_entry_of_variant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM keep_product_feed_entry(OLD.product_id);
    ELSE
        PERFORM keep_product_feed_entry(NEW.product_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER product_feed_entry_of_new_product AFTER INSERT ON product
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION keep_feed_entry_of_product();
CREATE CONSTRAINT TRIGGER product_feed_entry_of_product AFTER UPDATE ON product
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION keep_feed_entry_of_product();
CREATE CONSTRAINT TRIGGER product_feed_entry_of_new_variant AFTER INSERT OR DELETE ON product_variant
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION keep_feed_entry_of_variant();
CREATE CONSTRAINT TRIGGER product_feed_entry_of_variant AFTER UPDATE ON product_variant
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION keep_feed_entry_of_variant();

-- The products already written.
SELECT keep_product_feed_entry(id) FROM product;
