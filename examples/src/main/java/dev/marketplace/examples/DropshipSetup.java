package dev.marketplace.examples;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.DropshipApi.ListDropshipForwardsParams;
import dev.marketplace.sdk.model.DropshipCategoryMapping;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipConnectionCreate;
import dev.marketplace.sdk.model.DropshipConnectorKind;
import dev.marketplace.sdk.model.DropshipForward;
import dev.marketplace.sdk.model.DropshipForwardStatus;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipImportRequest;
import dev.marketplace.sdk.model.DropshipImportResult;
import dev.marketplace.sdk.model.DropshipPricingRule;
import dev.marketplace.sdk.model.DropshipStockBuffer;
import dev.marketplace.sdk.model.DropshipSyncRun;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/**
 * A merchant that sells goods a supplier ships, set up with its own client credentials:
 * <ol>
 *     <li>{@link #connect}: a supplier account connected (here the server's built-in simulated supplier; a REST or
 *     feed supplier takes its base URL and API key), priced by a rule (markup, fixed amount, price ending, minimum
 *     margin), with a safety buffer and the supplier's categories mapped to the marketplace's;</li>
 *     <li>{@link #importAndSubmit}: chosen supplier products imported as the merchant's products and submitted for
 *     review; a repeat updates, never duplicates;</li>
 *     <li>{@link #syncNow}: the stock synced at once rather than at the next scheduled sync (every 10 minutes);</li>
 *     <li>{@link #retryRefusedForwards}: sold lines the supplier refused (out of stock, address) sent again.</li>
 * </ol>
 * Usage: {@code DropshipSetup baseUri merchantClientId merchantSecret categoryId}: connects the simulated supplier,
 * imports three products and syncs.
 */
public final class DropshipSetup {

    private final MarketplaceClient merchant;

    public DropshipSetup(MarketplaceClient merchant) {
        this.merchant = merchant;
    }

    /**
     * Connects the simulated supplier: price = cost × 1.5 + 100, ending in 80, at least 20 % over cost; one unit and
     * 10 % held back from the supplier's stock; the supplier's "Kitchen" goods in {@code kitchenCategory}, the rest in
     * {@code defaultCategory}; sold lines forwarded to the supplier at once. The idempotency key makes a repeat (after
     * a lost answer) return the same connection.
     */
    public DropshipConnection connect(String name, UUID defaultCategory, UUID kitchenCategory) {
        return merchant.dropship().createDropshipConnection(new DropshipConnectionCreate()
                        .name(name).kind(DropshipConnectorKind.SIMULATED).currency("JPY")
                        .pricing(new DropshipPricingRule().markupBasisPoints(15_000).fixedAmount(100L).priceEnding(80)
                                .priceEndingModulus(100).minMarginBasisPoints(2_000))
                        .buffer(new DropshipStockBuffer().units(1L).percent(10))
                        .forwarding(DropshipForwarding.AUTOMATIC)
                        .categoryMappings(List.of(new DropshipCategoryMapping().supplierCategory("Kitchen")
                                .categoryId(kitchenCategory)))
                        .defaultCategoryId(defaultCategory),
                RequestOptions.builder().idempotencyKey("connect-" + name).build());
    }

    /** Imports these supplier products (all of the supplier's with none named) and submits them for review. */
    public DropshipImportResult importAndSubmit(UUID connectionId, List<String> supplierProductIds) {
        DropshipImportRequest request = new DropshipImportRequest()
                .afterImport(DropshipImportRequest.AfterImportEnum.SUBMIT_FOR_REVIEW);
        if (!supplierProductIds.isEmpty()) {
            request.supplierProductIds(supplierProductIds);
        }
        return merchant.dropship().importDropshipProducts(connectionId, request);
    }

    /** A stock sync now; its run says what it read and changed (or why it failed). */
    public DropshipSyncRun syncNow(UUID connectionId) {
        return merchant.dropship().syncDropshipConnection(connectionId);
    }

    /** Sends every refused forward again (same idempotency key at the supplier: never ordered twice); how many. */
    public int retryRefusedForwards() {
        List<DropshipForward> refused = merchant.dropship().listDropshipForwards(ListDropshipForwardsParams.builder()
                .status(DropshipForwardStatus.REFUSED).limit(200).build()).getItems();
        refused.forEach(forward -> merchant.dropship().retryDropshipForward(forward.getId()));
        return refused.size();
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: DropshipSetup baseUri merchantClientId merchantSecret categoryId");
            System.exit(2);
        }
        DropshipSetup setup = new DropshipSetup(MarketplaceClient.builder().baseUri(URI.create(args[0]))
                .clientCredentials(args[1], args[2]).build());
        UUID category = UUID.fromString(args[3]);
        DropshipConnection connection = setup.connect("Simulated supplier", category, category);
        DropshipImportResult imported = setup.importAndSubmit(connection.getId(),
                List.of("SIM-P000001", "SIM-P000002", "SIM-P000003"));
        DropshipSyncRun run = setup.syncNow(connection.getId());
        System.out.printf("connection %s: %d products created, %d updated; sync %s, %d changes%n", connection.getId(),
                imported.getCreated(), imported.getUpdated(), run.getOutcome(), run.getChanges());
    }
}
