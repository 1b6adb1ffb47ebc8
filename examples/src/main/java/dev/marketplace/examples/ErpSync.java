package dev.marketplace.examples;

import dev.marketplace.sdk.CursorStore;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.Pages;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.InventoryApi.ListLocationsParams;
import dev.marketplace.sdk.api.SettlementApi.GetStatementParams;
import dev.marketplace.sdk.api.SettlementApi.ListLedgerAccountsParams;
import dev.marketplace.sdk.model.LedgerAccount;
import dev.marketplace.sdk.model.LedgerAccountPage;
import dev.marketplace.sdk.model.LedgerEntry;
import dev.marketplace.sdk.model.Location;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.MerchantSubOrder;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.ProductBulkUpsert;
import dev.marketplace.sdk.model.ProductModerationResult;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.ProductSubmission;
import dev.marketplace.sdk.model.ProductSubmissionItem;
import dev.marketplace.sdk.model.ProductUpsertItem;
import dev.marketplace.sdk.model.ProductUpsertResult;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.Statement;
import dev.marketplace.sdk.model.StatementLine;
import dev.marketplace.sdk.model.StockChange;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.sdk.model.SubOrderChange;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.sdk.model.UpsertOutcome;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A merchant's ERP kept in step with the marketplace, with the merchant's own client credentials:
 * <ol>
 *     <li>{@link #syncCatalog}: the ERP's items upserted in bulk by their external id (the ERP's own key), new or
 *     changed ones submitted for review in bulk, and stock on hand set per SKU with the ERP's sequence number;</li>
 *     <li>{@link #pullOrdersAndShip}: the sub-order feed read from a stored cursor; each paid sub-order accepted and
 *     shipped, every line in full, with idempotency keys derived from the sub-order so that a repeat (after a crash
 *     between the call and saving the cursor) does nothing twice;</li>
 *     <li>{@link #pullStock}: the stock feed read the same way, to mirror reservations and sales into the ERP;</li>
 *     <li>{@link #pullSettlement}: the merchant's payable account read as a feed from a stored cursor: every ledger
 *     entry (escrow released, commission, fees, refunds, payouts) by sub-order, for the books;</li>
 *     <li>{@link #statementLines}: the month's statement, every line traced to its cause, for the books.</li>
 * </ol>
 * Usage: {@code ErpSync baseUri merchantClientId merchantSecret categoryId [cursorDirectory]}: syncs two demo items,
 * then reads its three feeds every five seconds until stopped (Ctrl-C).
 */
public final class ErpSync {

    /** One sellable item as the ERP knows it: its own id and SKU, title, price in yen, and stock on hand. */
    public record ErpItem(String externalId, String sku, String title, long priceYen, long onHand) {
    }

    /** What one catalog sync did. */
    public record CatalogSync(Map<String, UpsertOutcome> outcomes, Map<String, UUID> variantsBySku, UUID locationId) {
    }

    private final MarketplaceClient merchant;
    private final CursorStore subOrderCursor;
    private final CursorStore stockCursor;
    private final CursorStore ledgerCursor;
    private final String warehouseCode;

    public ErpSync(MarketplaceClient merchant, CursorStore subOrderCursor, CursorStore stockCursor,
                   CursorStore ledgerCursor, String warehouseCode) {
        this.merchant = merchant;
        this.subOrderCursor = subOrderCursor;
        this.stockCursor = stockCursor;
        this.ledgerCursor = ledgerCursor;
        this.warehouseCode = warehouseCode;
    }

    /**
     * Upserts the items by external id (up to 1,000 per call; per-item results, a refused item does not stop the
     * others), submits the created and updated ones for the operator's review (up to 500 per call, again with
     * per-item results; a product already awaiting review is {@code unchanged}), and sets their stock at the
     * warehouse. {@code sequence} is the ERP's own counter for this export: an older export arriving late changes
     * no stock ({@code sourceSequence}).
     */
    public CatalogSync syncCatalog(UUID categoryId, List<ErpItem> items, long sequence) {
        List<ProductUpsertItem> upserts = items.stream().map(item -> new ProductUpsertItem()
                .externalId(item.externalId()).categoryId(categoryId)
                .title(Map.of("en", item.title()))
                .variants(List.of(new ProductVariantInput().sku(item.sku())
                        .price(new Money().amount(item.priceYen()).currency("JPY"))))).toList();
        List<ProductUpsertResult> results = merchant.products().upsertProducts(new ProductBulkUpsert().products(upserts),
                RequestOptions.builder().idempotencyKey("catalog-export-" + sequence).build()).getResults();

        Map<String, UpsertOutcome> outcomes = new LinkedHashMap<>();
        Map<String, UUID> variantsBySku = new HashMap<>();
        List<ProductSubmissionItem> toSubmit = new ArrayList<>();
        for (ProductUpsertResult result : results) {
            if (result.getOutcome() == UpsertOutcome.REJECTED) {
                throw new IllegalStateException(result.getExternalId() + " refused: " + result.getCode() + " " + result.getErrors());
            }
            outcomes.put(result.getExternalId(), result.getOutcome());
            // The result names the variants and the product's status: no read of the product per item.
            result.getVariants().forEach(variant -> variantsBySku.put(variant.getSku(), variant.getId()));
            if (result.getStatus() == ProductStatus.DRAFT || result.getStatus() == ProductStatus.REJECTED) {
                toSubmit.add(new ProductSubmissionItem().productId(result.getProductId()).version(result.getVersion()));
            }
        }
        for (int from = 0; from < toSubmit.size(); from += 500) {
            List<ProductSubmissionItem> batch = toSubmit.subList(from, Math.min(toSubmit.size(), from + 500));
            for (ProductModerationResult submitted : merchant.products().submitProducts(new ProductSubmission().items(batch),
                    RequestOptions.builder().idempotencyKey("submit-export-" + sequence + "-" + from).build()).getResults()) {
                if (submitted.getOutcome() == ProductModerationResult.OutcomeEnum.REJECTED) {
                    throw new IllegalStateException(submitted.getProductId() + " not submitted: " + submitted.getCode());
                }
            }
        }

        UUID warehouse = warehouse();
        List<StockUpdate> stock = items.stream().map(item -> new StockUpdate()
                .variantId(variantsBySku.get(item.sku())).locationId(warehouse)
                .onHand(item.onHand()).sourceSequence(sequence)).toList();
        merchant.inventory().updateStock(new StockUpdateBatch().items(stock),
                RequestOptions.builder().idempotencyKey("stock-export-" + sequence).build());
        return new CatalogSync(outcomes, variantsBySku, warehouse);
    }

    /** The warehouse's location, created the first time (its code is the ERP's; codes are unique per merchant). */
    private UUID warehouse() {
        List<Location> existing = merchant.inventory().listLocations(ListLocationsParams.builder().limit(100).build()).getItems();
        return existing.stream().filter(location -> location.getCode().equals(warehouseCode)).findFirst()
                .map(Location::getId)
                .orElseGet(() -> merchant.inventory().createLocation(
                        new LocationCreate().code(warehouseCode).name("Warehouse " + warehouseCode),
                        RequestOptions.builder().idempotencyKey("location-" + warehouseCode).build()).getId());
    }

    /**
     * Reads the sub-order feed from the stored cursor until caught up: each sub-order awaiting acceptance is
     * accepted and shipped in full. The cursor is saved after each page is handled, so a crash re-reads at most
     * one page; the stable idempotency keys make those repeats harmless.
     *
     * @return the sub-orders shipped by this call (a repeat's are among them: its keys replay the first answers)
     */
    public Set<UUID> pullOrdersAndShip(String carrier) throws Exception {
        Set<UUID> shipped = new LinkedHashSet<>();
        merchant.feeds().subOrders().drain(subOrderCursor, changes -> {
            for (SubOrderChange change : changes) {
                MerchantSubOrder subOrder = change.getSubOrder();
                if (subOrder.getStatus() == SubOrderStatus.AWAITING_ACCEPTANCE && acceptAndShip(subOrder, carrier)) {
                    shipped.add(subOrder.getId());
                }
            }
        });
        return shipped;
    }

    /** Accepts and ships a sub-order in full; false when it had moved on meanwhile (cancelled, or shipped by a repeat). */
    private boolean acceptAndShip(MerchantSubOrder subOrder, String carrier) {
        UUID id = subOrder.getId();
        List<ShipmentLine> lines = subOrder.getLines().stream().map(line -> new ShipmentLine()
                .lineNumber(line.getLineNumber()).quantity(line.getQuantity().intValue())).toList();
        try {
            merchant.fulfilment().acceptSubOrder(id, RequestOptions.builder().idempotencyKey("accept-" + id).build());
            merchant.fulfilment().shipSubOrder(id, new ShipmentCreate().carrier(carrier)
                            .trackingNumber("TRK-" + id.toString().substring(0, 8)).lines(lines),
                    RequestOptions.builder().idempotencyKey("ship-" + id).build());
            return true;
        } catch (MarketplaceException.ConflictException e) {
            if (e.code().equals(ErrorCode.ILLEGAL_STATUS_TRANSITION)
                    && Set.of("shipped", "delivered", "cancelled", "rejected").contains(e.currentState())) {
                return false; // the state it is in says the work is done, or no longer wanted
            }
            throw e;
        }
    }

    /**
     * Reads the stock feed from the stored cursor until caught up; the latest level per variant and location, as
     * the ERP would mirror it (reserved by checkouts, committed by payments, released by cancellations).
     */
    public Map<UUID, StockLevel> pullStock() throws Exception {
        Map<UUID, StockLevel> latest = new LinkedHashMap<>();
        merchant.feeds().stock().drain(stockCursor, changes -> {
            for (StockChange change : changes) {
                latest.put(change.getVariantId(), change.getStock());
            }
        });
        return latest;
    }

    /**
     * Reads the merchant's payable account in yen as a change feed from the stored cursor until caught up: the
     * entries posted since the last call — escrow released when a sub-order is settled, the commission held from it,
     * payment fees, refunds, payouts — grouped by the sub-order they belong to (entries of no sub-order, such as
     * payouts, are left out here). Entries never change once posted, so the ERP books each exactly once. Empty
     * before the merchant's first sale settles: the account opens with its first entry.
     */
    public Map<UUID, List<LedgerEntry>> pullSettlement() throws Exception {
        Map<UUID, List<LedgerEntry>> bySubOrder = new LinkedHashMap<>();
        ListLedgerAccountsParams accounts = ListLedgerAccountsParams.builder().limit(100).build();
        String payable = Pages.stream(cursor -> merchant.settlement().listLedgerAccounts(accounts.toBuilder().cursor(cursor).build()),
                        LedgerAccountPage::getItems, LedgerAccountPage::getNextCursor)
                .filter(account -> account.getName().startsWith("merchant_payable:"))
                .filter(account -> account.getBalance().getCurrency().equals("JPY"))
                .map(LedgerAccount::getId).findFirst().orElse(null);
        if (payable == null) {
            return bySubOrder;
        }
        merchant.feeds().ledger(payable).drain(ledgerCursor, entries -> entries.stream()
                .filter(entry -> entry.getSubOrderId() != null)
                .forEach(entry -> bySubOrder.computeIfAbsent(entry.getSubOrderId(), id -> new ArrayList<>()).add(entry)));
        return bySubOrder;
    }

    /**
     * Every line of the merchant's statement of {@code cycle} (a month in UTC, {@code 2026-12}) in yen: what the ERP
     * books — escrow released per sub-order, commission, refunds, payouts, fees — each with the reference of its cause
     * ({@code escrow_released:<subOrderId>}). The current month's statement is open: its lines so far.
     */
    public List<StatementLine> statementLines(String cycle) {
        GetStatementParams inYen = GetStatementParams.builder().currency("JPY").limit(200).build();
        return Pages.stream(cursor -> merchant.settlement().getStatement(cycle, inYen.toBuilder().cursor(cursor).build()),
                Statement::getLines, Statement::getNextCursor).toList();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ErpSync baseUri merchantClientId merchantSecret categoryId [cursorDirectory]");
            System.exit(2);
        }
        Path cursors = Path.of(args.length > 4 ? args[4] : ".");
        MarketplaceClient merchant = MarketplaceClient.builder().baseUri(URI.create(args[0]))
                .clientCredentials(args[1], args[2]).build();
        ErpSync erp = new ErpSync(merchant, CursorStore.file(cursors.resolve("sub-orders.cursor")),
                CursorStore.file(cursors.resolve("stock.cursor")), CursorStore.file(cursors.resolve("ledger.cursor")), "WH-1");
        CatalogSync sync = erp.syncCatalog(UUID.fromString(args[3]), List.of(
                new ErpItem("ERP-1001", "SEN-100G", "Sencha 100 g", 1_200, 40),
                new ErpItem("ERP-1002", "MAT-30G", "Matcha 30 g", 2_400, 15)), System.currentTimeMillis());
        System.out.println("catalog: " + sync.outcomes() + "; products await the operator's review");
        while (true) { // a real ERP runs this from its scheduler; FeedFollower does it on a thread of its own
            System.out.println("shipped " + erp.pullOrdersAndShip("Yamato") + "; stock " + erp.pullStock().values()
                    + "; settled " + erp.pullSettlement().keySet());
            Thread.sleep(5_000);
        }
    }
}
