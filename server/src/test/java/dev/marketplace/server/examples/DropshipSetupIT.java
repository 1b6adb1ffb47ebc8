package dev.marketplace.server.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.examples.DropshipSetup;
import dev.marketplace.examples.OperatorOnboarding;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipImportItem;
import dev.marketplace.sdk.model.DropshipImportResult;
import dev.marketplace.sdk.model.DropshipSyncRun;
import dev.marketplace.sdk.model.MerchantApproved;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductModerationResult;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code DropshipSetup} example (issue 19) against a real server and its built-in simulated supplier: a merchant
 * connects, imports three supplier products mapped and priced, has them reviewed, syncs the stock (less the safety
 * buffer), and a repeat of the connection and the import changes nothing.
 */
class DropshipSetupIT {

    @RegisterExtension
    static final TestServer server = new TestServer().with("dropship.jobs.sweep", "PT1H"); // the example syncs itself

    @Test
    void aMerchantConnectsImportsPricesAndSyncsASupplier() {
        OperatorOnboarding onboarding = new OperatorOnboarding(server.client());
        UUID home = onboarding.categories("Home", "Living").getId();
        UUID kitchen = onboarding.categories("Household", "Kitchen").getId();
        MerchantApproved approved = onboarding.onboardMerchant("Direct Goods KK", home);
        MarketplaceClient merchant = MarketplaceClient.builder().baseUri(server.baseUri())
                .httpClientBuilder(ValidatingHttpClient.builder())
                .clientCredentials(approved.getCredentials().getClient().getClientId(),
                        approved.getCredentials().getClientSecret()).build();
        DropshipSetup setup = new DropshipSetup(merchant);

        DropshipConnection connection = setup.connect("Simulated supplier", home, kitchen);
        assertThat(setup.connect("Simulated supplier", home, kitchen).getId()).as("a repeat replays")
                .isEqualTo(connection.getId());
        List<String> chosen = List.of("SIM-P000001", "SIM-P000002", "SIM-P000003");
        DropshipImportResult imported = setup.importAndSubmit(connection.getId(), chosen);
        assertThat(imported.getCreated()).isEqualTo(3);
        assertThat(imported.getItems()).extracting(DropshipImportItem::getProductStatus)
                .containsOnly(DropshipImportItem.ProductStatusEnum.PENDING_REVIEW);
        // SIM-P000001: supplier category Kitchen, cost 537 → 537 × 1.5 + 100 = 906, raised to the ending 80: 980.
        UUID first = imported.getItems().stream().filter(i -> i.getSupplierProductId().equals("SIM-P000001"))
                .findFirst().orElseThrow().getProductId();
        Product product = merchant.products().getProduct(first);
        assertThat(product.getCategoryId()).isEqualTo(kitchen);
        assertThat(product.getVariants().getFirst().getPrice().getAmount()).isEqualTo(980L);
        assertThat(onboarding.approveSubmittedProducts(approved.getMerchant().getId()))
                .extracting(ProductModerationResult::getStatus).containsOnly(ProductStatus.PUBLISHED).hasSize(3);

        DropshipSyncRun run = setup.syncNow(connection.getId());
        assertThat(run.getOutcome()).isEqualTo(DropshipSyncRun.OutcomeEnum.SUCCEEDED);
        // supplier stock 11, less one unit and 10 % (1.1 → 2): 8 to sell
        assertThat(merchant.inventory().listStock(ListStockParams.builder()
                .variantId(product.getVariants().getFirst().getId()).build()).getItems().getFirst().getAvailable())
                .isEqualTo(8L);

        assertThat(setup.importAndSubmit(connection.getId(), chosen).getUnchanged()).as("a re-import never duplicates")
                .isEqualTo(3);
        assertThat(setup.retryRefusedForwards()).as("nothing sold, nothing refused").isZero();
    }
}
