-- Settlement leftovers (issues 14 and 24, decision 43; package settlement).

-- Channel payouts (decision 32, amended): a payout pays either a merchant's payable or a channel's
-- (channel_payable:{channel}, decision 41), through the same run, minimum, hold and provider. One in flight per
-- payee and currency.
ALTER TABLE payout ALTER COLUMN merchant_id DROP NOT NULL;
ALTER TABLE payout ADD COLUMN channel_id uuid;
ALTER TABLE payout ADD CONSTRAINT payout_one_payee CHECK (num_nonnulls(merchant_id, channel_id) = 1);
CREATE UNIQUE INDEX payout_channel_in_flight_idx ON payout (channel_id, currency) WHERE status = 'initiated';
CREATE INDEX payout_channel_idx ON payout (channel_id, initiated_at, id) WHERE channel_id IS NOT NULL;

-- A channel's statement shows its payouts (package channels writes the lines from the payout events).
ALTER TABLE channel_statement_line DROP CONSTRAINT channel_statement_line_type_check;
ALTER TABLE channel_statement_line ADD CONSTRAINT channel_statement_line_type_check
    CHECK (type IN ('share_accrued', 'share_reversed', 'deposit_recorded', 'deposit_drawn', 'payout_initiated',
                    'payout_failed'));
