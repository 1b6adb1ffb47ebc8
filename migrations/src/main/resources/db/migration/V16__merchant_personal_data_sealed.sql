-- Merchants' contact phone and street address are personal data (often a sole trader's home), so like customers'
-- they are sealed at rest with AES-256-GCM under the PII key named in pii_key_id (decision 0016). The country stays
-- readable: admission rules and taxes use it, and it identifies nobody.
--
-- Rows written before this migration keep their plain columns until the server's re-sealing job (at start-up and
-- hourly) seals them and clears the plain columns; a row is either sealed or plain, never both.
ALTER TABLE merchant
    ADD COLUMN personal_data_sealed bytea,
    ADD COLUMN pii_key_id           text,
    ALTER COLUMN contact_phone       DROP NOT NULL,
    ALTER COLUMN address_postal_code DROP NOT NULL,
    ALTER COLUMN address_region      DROP NOT NULL,
    ALTER COLUMN address_locality    DROP NOT NULL,
    ALTER COLUMN address_line1       DROP NOT NULL,
    ADD CONSTRAINT merchant_personal_data_sealed_or_plain CHECK (
        (pii_key_id IS NOT NULL AND personal_data_sealed IS NOT NULL
            AND contact_phone IS NULL AND address_postal_code IS NULL AND address_region IS NULL
            AND address_locality IS NULL AND address_line1 IS NULL AND address_line2 IS NULL)
        OR (pii_key_id IS NULL AND personal_data_sealed IS NULL
            AND contact_phone IS NOT NULL AND address_postal_code IS NOT NULL AND address_region IS NOT NULL
            AND address_locality IS NOT NULL AND address_line1 IS NOT NULL));

-- Rows still plain or sealed under a retired key, for the re-sealing job.
CREATE INDEX merchant_pii_key_idx ON merchant (pii_key_id);
