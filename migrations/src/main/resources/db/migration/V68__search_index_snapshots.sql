-- Search index snapshots (decision 78): a node saves its in-process search index to its own directory at a clean stop
-- and after a full fill, and starts from it instead of reading the whole read model. Each document carries the
-- transaction ids (xmin) of the listing_search and catalog_category rows it was built from; at start a node compares
-- them with the rows' current ones and re-reads only those that differ. A transaction id identifies a row version only
-- within one history of the database, so a snapshot is used only when the database holds its token: a database
-- restored from a backup taken before the snapshot, or another database, does not know it. covers_xid is the
-- database's 64-bit transaction counter when the snapshot was taken: past 2^31 transactions later, 32-bit ids may have
-- wrapped around and the snapshot is not used either.
CREATE TABLE search_index_snapshot (
    token      uuid        PRIMARY KEY,
    covers_xid xid8        NOT NULL,
    taken_at   timestamptz NOT NULL DEFAULT now()
);
