-- Public clients (RFC 6749 §2.1): a storefront's single-page or mobile app cannot keep a secret, so it has none
-- and may only use the authorization code grant with PKCE (decision 0016). Existing clients are confidential.
ALTER TABLE api_client
    ADD COLUMN client_type text NOT NULL DEFAULT 'confidential' CHECK (client_type IN ('confidential', 'public')),
    ALTER COLUMN secret_hash DROP NOT NULL,
    ADD CONSTRAINT api_client_secret_iff_confidential CHECK ((client_type = 'public') = (secret_hash IS NULL)),
    ADD CONSTRAINT api_client_public_is_storefront CHECK (client_type = 'confidential'
        OR principal_type = 'storefront' AND cardinality(redirect_uris) > 0);
