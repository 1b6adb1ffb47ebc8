-- A statement that changes more than 100 listings (a bulk price or stock update, a merchant's rating reaching all its
-- products) was announced as '*' (V13), and every server node then rebuilt its whole search index and dropped every
-- kept listing: with 100,000 products, seconds of work during which PostgreSQL answered every search (decision 57).
-- Such a statement now writes the products it changed to listing_change_batch, in its own transaction, and
-- announces '#<batch id>': a node reads that one row (committed with the change, since PostgreSQL delivers a
-- notification only when its transaction commits) and re-reads just those products. Up to 100 products are still
-- named in the payload itself. A batch is kept an hour, far longer than any listening node can lag (a node that
-- lost its connection fills its index again anyway); each bulk statement removes the expired ones.

CREATE TABLE listing_change_batch (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_ids uuid[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX listing_change_batch_created_at_idx ON listing_change_batch (created_at);

CREATE OR REPLACE FUNCTION notify_listing_changes(products uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    batch bigint;
BEGIN
    IF cardinality(products) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(products) <= 100 THEN
        PERFORM pg_notify('listing_changes', array_to_string(products, ','));
        RETURN;
    END IF;
    DELETE FROM listing_change_batch WHERE created_at < now() - interval '1 hour';
    INSERT INTO listing_change_batch (product_ids) VALUES (products) RETURNING id INTO batch;
    PERFORM pg_notify('listing_changes', '#' || batch);
END
$$;

-- Every changed product now, not the first 101.
CREATE OR REPLACE FUNCTION notify_listing_changes_of_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(SELECT DISTINCT product_id FROM new_rows));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION notify_listing_changes_of_old_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(SELECT DISTINCT product_id FROM old_rows));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION notify_merchant_rating_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(
        SELECT s.product_id FROM listing_search s
        WHERE s.merchant_id IN (SELECT merchant_id FROM changed_ratings)));
    RETURN NULL;
END
$$;
