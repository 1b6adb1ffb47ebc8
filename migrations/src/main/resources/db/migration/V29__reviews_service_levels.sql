-- Reviews, merchant replies, ratings on listings and merchant service levels (package reviews, decision 40).

-- A customer's review of one line of a delivered sub-order: one per line (the unique key is the 409 on a second).
-- Times come from the reviews module's clock (tests move it), never from now(), so deadlines and the clock agree.
CREATE TABLE review (
    id                 uuid        PRIMARY KEY,
    customer_id        uuid        NOT NULL,
    storefront_id      uuid        NOT NULL,
    merchant_id        uuid        NOT NULL,
    product_id         uuid        NOT NULL,
    order_id           uuid        NOT NULL,
    sub_order_id       uuid        NOT NULL,
    line_number        int         NOT NULL CHECK (line_number >= 0),
    rating             smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    -- Multilingual like products: {language tag: text}.
    title              jsonb       NOT NULL,
    body               jsonb       NOT NULL,
    image_urls         text[]      NOT NULL DEFAULT '{}',
    -- pending_moderation (held: the compliance check found banned words) → published | hidden | removed (final).
    status             text        NOT NULL CHECK (status IN ('pending_moderation', 'published', 'hidden', 'removed')),
    compliance_findings jsonb      NOT NULL DEFAULT '[]',
    moderation_reason  text,
    editable_until     timestamptz NOT NULL,
    -- The merchant's one public reply.
    reply              jsonb,
    replied_at         timestamptz,
    -- Negative reviews only: by when the merchant must reply, and when the overdue job found it unanswered.
    reply_due_at       timestamptz,
    reply_overdue_at   timestamptz,
    version            bigint      NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    UNIQUE (sub_order_id, line_number),
    CHECK ((reply IS NULL) = (replied_at IS NULL))
);
CREATE INDEX review_product_published_idx ON review (product_id, created_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX review_merchant_idx ON review (merchant_id, created_at DESC, id DESC);
CREATE INDEX review_customer_idx ON review (customer_id, created_at DESC, id DESC);
CREATE INDEX review_created_idx ON review (created_at DESC, id DESC);
-- What the overdue job looks for: unanswered negative reviews not yet marked.
CREATE INDEX review_reply_due_idx ON review (reply_due_at)
    WHERE reply_due_at IS NOT NULL AND replied_at IS NULL AND reply_overdue_at IS NULL;
-- The service-level report: a merchant's negative reviews by deadline.
CREATE INDEX review_merchant_due_idx ON review (merchant_id, reply_due_at) WHERE reply_due_at IS NOT NULL;

-- The review feed for ERPs (GET /v1/reviews/changes) in change_log, like the sub-order feed (V12). Reviews are never
-- deleted (a removed one keeps its row), so the feed has no tombstones.
ALTER TABLE change_log DROP CONSTRAINT change_log_feed_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_feed_check
    CHECK (feed IN ('products', 'stock', 'sub_orders', 'reviews'));

CREATE FUNCTION record_review_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (feed, merchant_id, entity_id, kind)
    SELECT 'reviews', merchant_id, id, 'upserted' FROM changed_reviews;
    RETURN NULL;
END
$$;
CREATE TRIGGER review_changes_on_insert AFTER INSERT ON review
    REFERENCING NEW TABLE AS changed_reviews FOR EACH STATEMENT EXECUTE FUNCTION record_review_changes();
CREATE TRIGGER review_changes_on_update AFTER UPDATE ON review
    REFERENCING NEW TABLE AS changed_reviews FOR EACH STATEMENT EXECUTE FUNCTION record_review_changes();

-- A merchant's standing against the service-level thresholds (the evaluation job's last verdict):
-- good → warned (a threshold missed) → frozen (still missed after the grace period, when automatic freezing is on),
-- back to good when every threshold is met again.
CREATE TABLE service_level_standing (
    merchant_id        uuid        PRIMARY KEY,
    state              text        NOT NULL CHECK (state IN ('good', 'warned', 'frozen')),
    -- The thresholds missed at the last evaluation: [{"measure", "shareBasisPoints", "thresholdBasisPoints"}].
    findings           jsonb       NOT NULL DEFAULT '[]',
    warned_at          timestamptz,
    frozen_at          timestamptz,
    evaluated_at       timestamptz NOT NULL
);

-- Ratings in the catalog's read model (the catalog owns these columns and table; the reviews domain changes them
-- only through ProductService.rate). Only published reviews count. The average is kept in hundredths of a star so
-- sorting and filtering compare integers; 0 means no rating (ratings are 1 to 5).
ALTER TABLE listing_search
    ADD COLUMN rating_count      integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    ADD COLUMN rating_sum        bigint  NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    ADD COLUMN rating_hundredths integer GENERATED ALWAYS AS
        (CASE WHEN rating_count = 0 THEN 0 ELSE round(rating_sum * 100.0 / rating_count)::integer END) STORED;
-- Listed rows only, like the other sort indexes (V8); a stock flip does not touch it (rating columns unchanged).
CREATE INDEX listing_search_rating_idx ON listing_search (rating_hundredths DESC, product_id DESC)
    WHERE published_at IS NOT NULL AND merchant_active;

CREATE TABLE merchant_rating (
    merchant_id        uuid    PRIMARY KEY,
    rating_count       integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum         bigint  NOT NULL DEFAULT 0 CHECK (rating_sum >= 0)
);

-- A merchant's rating shows on each of its listings: announce them (V13), at most 101 ids ('*' beyond 100).
CREATE FUNCTION notify_merchant_rating_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM notify_listing_changes(ARRAY(
        SELECT s.product_id FROM listing_search s
        WHERE s.merchant_id IN (SELECT merchant_id FROM changed_ratings) LIMIT 101));
    RETURN NULL;
END
$$;
CREATE TRIGGER merchant_rating_notify_insert AFTER INSERT ON merchant_rating
    REFERENCING NEW TABLE AS changed_ratings FOR EACH STATEMENT EXECUTE FUNCTION notify_merchant_rating_changes();
CREATE TRIGGER merchant_rating_notify_update AFTER UPDATE ON merchant_rating
    REFERENCING NEW TABLE AS changed_ratings FOR EACH STATEMENT EXECUTE FUNCTION notify_merchant_rating_changes();
