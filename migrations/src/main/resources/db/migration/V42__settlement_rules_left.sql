-- What was left of issue 14 (decision 52; packages payments, settlement, channels).

-- A refund the provider refuses is sent again (same idempotency key) on a schedule before it is given up:
-- attempts counts the definite answers (refused, failed), failure_code keeps the provider's last word, and cause
-- names what asked for the refund ('return:{id}' for a return), so settlement can undo what that cause posted
-- (the return's commission reversal) when the refund finally fails.
ALTER TABLE payment_refund ADD COLUMN attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE payment_refund ADD COLUMN failure_code text;
ALTER TABLE payment_refund ADD COLUMN cause text;

-- A channel's statement is the statement of its payable (decision 43); a deposit draw moves channel_reserve to
-- channel_deposit_draws and never touches the payable, so it is no line of it: the type the code never wrote goes.
ALTER TABLE channel_statement_line DROP CONSTRAINT channel_statement_line_type_check;
ALTER TABLE channel_statement_line ADD CONSTRAINT channel_statement_line_type_check
    CHECK (type IN ('share_accrued', 'share_reversed', 'deposit_recorded', 'payout_initiated', 'payout_failed'));

-- The operator gives a merchant's admission deposit back (decision 52): reserve → payable, once per reference, never
-- more than the deposits recorded less those given back.
CREATE TABLE settlement_deposit_refund (
    id          uuid        PRIMARY KEY,
    merchant_id uuid        NOT NULL,
    reference   text        NOT NULL,
    amount      bigint      NOT NULL CHECK (amount > 0),
    currency    char(3)     NOT NULL,
    reason      text        NOT NULL,
    refunded_by text        NOT NULL,
    refunded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, reference)
);
