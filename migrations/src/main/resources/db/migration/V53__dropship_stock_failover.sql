-- Stock-sync failover per variant (issue 18, decision 64): what the backup supplier last reported for the variant's
-- backup SKU, and whether the variant's marketplace stock is read from the backup now rather than from its primary.
ALTER TABLE dropship_variant
    ADD COLUMN backup_supplier_stock bigint,
    ADD COLUMN stock_from_backup boolean NOT NULL DEFAULT false;
CREATE INDEX dropship_variant_backup_idx ON dropship_variant (backup_connection_id, backup_supplier_sku)
    WHERE backup_connection_id IS NOT NULL;
CREATE INDEX dropship_variant_with_backup_idx ON dropship_variant (connection_id)
    WHERE backup_connection_id IS NOT NULL;
