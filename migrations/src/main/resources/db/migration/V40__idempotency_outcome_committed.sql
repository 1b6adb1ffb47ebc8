-- Decision 50: a request whose own transaction wrote and committed keeps its Idempotency-Key, answered or not.
-- Set inside that transaction, so it is there exactly when the effect is; a resend never runs the effect again.
ALTER TABLE idempotency_record ADD COLUMN committed_at timestamptz;
