-- Refunds are sent by a job, outside any transaction (issue 13, decision 27): a pending refund is due at due_at;
-- the job claims due ones (SKIP LOCKED), moves due_at past the claim's lease, commits, calls the provider and records
-- the outcome in a transaction of its own. A refund whose outcome stayed unknown (or whose sender died) is due again
-- once the lease has passed, and is sent again with its own idempotency key.
ALTER TABLE payment_refund ADD COLUMN due_at timestamptz NOT NULL DEFAULT now();
UPDATE payment_refund SET due_at = updated_at WHERE status = 'pending';
DROP INDEX payment_refund_pending_idx;
CREATE INDEX payment_refund_due_idx ON payment_refund (due_at) WHERE status = 'pending';
