-- Issue 18's leftovers (decision 39, amended): a supplier's call quota per connection — at most quota_calls calls
-- per quota_window_seconds — counted here so that every node takes from the same count. No quota: all three null.
ALTER TABLE dropship_connection
    ADD COLUMN quota_calls             integer     CHECK (quota_calls > 0),
    ADD COLUMN quota_window_seconds    integer     CHECK (quota_window_seconds > 0),
    ADD COLUMN quota_window_started_at timestamptz,
    ADD COLUMN quota_used              integer     NOT NULL DEFAULT 0 CHECK (quota_used >= 0),
    ADD CONSTRAINT dropship_connection_quota_whole CHECK ((quota_calls IS NULL) = (quota_window_seconds IS NULL));
