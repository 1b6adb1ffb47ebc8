-- Decision 89: the search index snapshot's catch-up (decision 78) read the xmin of every listing_search row, a
-- sequential scan of the whole table because its rows carry the documents (154 MB for the demo catalog, about 0.5 s;
-- an index cannot return xmin). listing_search_version is a narrow twin: one row per listing_search row, rewritten by
-- the statement that writes the listing_search row (triggers below, same transaction and savepoint), so its xmin
-- changes whenever the listing_search row changes. A search document's version is now this row's xmin (with its
-- category's, as before); the catch-up reads this table and catalog_category only.
CREATE TABLE listing_search_version (
    product_id  uuid    PRIMARY KEY REFERENCES listing_search (product_id) ON DELETE CASCADE,
    category_id uuid    NOT NULL,
    -- listing_search's "listed": published and of an active merchant.
    listed      boolean NOT NULL
) WITH (fillfactor = 70); -- room for HOT updates: no indexed column ever changes

-- No write to listing_search between the copy and the triggers.
LOCK TABLE listing_search IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO listing_search_version (product_id, category_id, listed)
SELECT product_id, category_id, published_at IS NOT NULL AND merchant_active FROM listing_search;

CREATE FUNCTION listing_search_versions_of_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO listing_search_version (product_id, category_id, listed)
        SELECT product_id, category_id, published_at IS NOT NULL AND merchant_active FROM changed_rows;
    ELSE
        -- Every updated row, changed or not: its new version is what tells the catch-up to read it again.
        UPDATE listing_search_version twin
        SET category_id = changed.category_id, listed = changed.published_at IS NOT NULL AND changed.merchant_active
        FROM changed_rows changed
        WHERE twin.product_id = changed.product_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER listing_search_version_insert AFTER INSERT ON listing_search
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION listing_search_versions_of_changed_rows();
CREATE TRIGGER listing_search_version_update AFTER UPDATE ON listing_search
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION listing_search_versions_of_changed_rows();
