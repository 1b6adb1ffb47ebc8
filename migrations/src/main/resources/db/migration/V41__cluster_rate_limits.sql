-- Rate limits across nodes (issue 21, decision 51): one token bucket per client (or address) and quota, shared by
-- every node. A node leases a share of the bucket's tokens at a time and spends them in memory, so a request costs
-- no database round trip; the bucket never hands out more than its quota and refill, whichever node asks.
CREATE TABLE rate_limit_bucket (
    bucket_key   text PRIMARY KEY,
    -- thousandths of a token (integer arithmetic), at most the quota's
    milli_tokens bigint NOT NULL CHECK (milli_tokens >= 0),
    -- PostgreSQL's clock, the one every node shares: clock skew between nodes cannot refill a bucket early
    refilled_at  timestamptz NOT NULL
);

CREATE INDEX rate_limit_bucket_refilled_at ON rate_limit_bucket (refilled_at);

-- Refills the bucket (quota per minute, up to the quota) and takes up to p_wanted whole tokens from it, in one
-- statement; returns the tokens granted and those left, both in thousandths.
CREATE FUNCTION lease_rate_limit_tokens(p_key text, p_quota bigint, p_wanted bigint)
    RETURNS TABLE (granted bigint, remaining bigint)
    LANGUAGE plpgsql AS $$
DECLARE
    v_now       timestamptz := clock_timestamp();
    v_capacity  bigint := p_quota * 1000;
    v_tokens    bigint;
    v_refilled  timestamptz;
    v_available bigint;
BEGIN
    INSERT INTO rate_limit_bucket (bucket_key, milli_tokens, refilled_at) VALUES (p_key, v_capacity, v_now)
    ON CONFLICT (bucket_key) DO NOTHING;
    SELECT b.milli_tokens, b.refilled_at INTO v_tokens, v_refilled
      FROM rate_limit_bucket b WHERE b.bucket_key = p_key FOR UPDATE;
    v_available := least(v_capacity, v_tokens
        + floor(greatest(0, extract(epoch FROM v_now - v_refilled)) * p_quota * 1000 / 60)::bigint);
    granted := least(p_wanted * 1000, v_available - v_available % 1000);
    remaining := v_available - granted;
    UPDATE rate_limit_bucket SET milli_tokens = remaining, refilled_at = greatest(v_now, v_refilled)
     WHERE bucket_key = p_key;
    RETURN NEXT;
END
$$;
