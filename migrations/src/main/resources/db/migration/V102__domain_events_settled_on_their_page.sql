-- Settling (settle_changes(), V18) rewrites every domain event once to give it its position: a new version of the
-- whole row, payload included. On a full page (the default fillfactor 100) that version goes to another page, and the
-- WAL carries all of it; on the same page PostgreSQL logs only the bytes that changed. Pages keep half their room for
-- the settled versions from now on. Measured on a scratch PostgreSQL 15 with a lease commit's rows (six events, three
-- feed rows, settled every two commits): settling's WAL on domain_event 7.7 -> 3.2 KB per commit, all WAL per commit
-- 17.7 -> 13.2 KB; the heap of events takes up to twice the pages. Existing pages keep their layout (decision 116).
ALTER TABLE domain_event SET (fillfactor = 50);
