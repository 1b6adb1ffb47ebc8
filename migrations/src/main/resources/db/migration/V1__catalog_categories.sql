-- The catalog's category tree. Each category carries the commission rate charged on sales in it.
-- The tree is kept as a materialized path (ancestor_ids, root first) so that "this category and all
-- its descendants" is one indexed query and a move rewrites a subtree in one statement.
CREATE TABLE catalog_category (
    id                  uuid        PRIMARY KEY,
    parent_id           uuid        REFERENCES catalog_category (id) ON DELETE RESTRICT,
    ancestor_ids        uuid[]      NOT NULL DEFAULT '{}',
    name                text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    commission_rate_bps integer     NOT NULL CHECK (commission_rate_bps BETWEEN 0 AND 10000),
    version             bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL AND cardinality(ancestor_ids) = 0
           OR parent_id = ancestor_ids[cardinality(ancestor_ids)]),
    CHECK (parent_id IS DISTINCT FROM id)
);

-- Sibling names are unique ignoring case; root categories are siblings of each other.
CREATE UNIQUE INDEX catalog_category_sibling_name_key
    ON catalog_category (coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

-- Children listed by name (the API's stable order is name, then id).
CREATE INDEX catalog_category_children_idx ON catalog_category (parent_id, name, id);

-- "Is X below Y" and "all descendants of Y".
CREATE INDEX catalog_category_ancestors_idx ON catalog_category USING gin (ancestor_ids);
