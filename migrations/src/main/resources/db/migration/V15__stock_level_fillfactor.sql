-- Stock levels are rewritten far more often than created (an ERP sets 100,000 of them in one go, checkouts reserve
-- and commit): none of the changed columns is indexed, so an update can stay on its page (a HOT update: no new
-- entries in the primary key and the merchant index) when the page has room. Full pages (the default fillfactor
-- 100) made every update a new index entry in both indexes. Pages keep a fifth free from now on; existing pages
-- follow as they are rewritten (decision 21).
ALTER TABLE stock_level SET (fillfactor = 80);
