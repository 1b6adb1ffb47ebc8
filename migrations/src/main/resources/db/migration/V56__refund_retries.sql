-- The operator retries a refund the provider finally refused (decision 60): each retry is a new provider attempt
-- with a new idempotency key ('refund-{id}:retry:{n}', kept in idempotency_key), numbered by retries.
ALTER TABLE payment_refund ADD COLUMN retries int NOT NULL DEFAULT 0 CHECK (retries >= 0);
