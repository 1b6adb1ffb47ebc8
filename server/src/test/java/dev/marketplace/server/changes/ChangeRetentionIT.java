package dev.marketplace.server.changes;

import static dev.marketplace.schema.Tables.CHANGE_LOG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ProductsApi;
import dev.marketplace.sdk.api.ProductsApi.ListProductChangesParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductChange;
import dev.marketplace.sdk.model.ProductChangePage;
import dev.marketplace.server.platform.changes.ChangesModule;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retention of the change log: changes older than {@code changes.retention.days} are pruned, a cursor from before
 * them is refused with 410 {@code cursor_expired} instead of silently skipping, and a poller that keeps polling
 * never expires even when it sees none of the changes pruned. One test, one database: pruning is global.
 */
class ChangeRetentionIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void changesPastTheRetentionArePrunedAndACursorFromBeforeThemExpires() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        Category tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000));
        ActiveMerchant seller = catalog.activeMerchant("Old Changes KK", tea.getId());
        ActiveMerchant quiet = catalog.activeMerchant("Quiet KK", tea.getId());
        String quietCursor = quiet.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).build()).getNextCursor();
        List<UUID> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(seller.client().products().createProduct(
                    TestCatalog.product(tea.getId(), "Tea " + i, "RET-" + i, 1000, "JPY")).getId());
        }
        ProductChangePage first = server.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(1).build());
        ProductChangePage second = server.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(1).cursor(first.getNextCursor()).build());
        // the quiet merchant polls meanwhile: none of these changes are its own, yet its cursor moves past them
        ProductChangePage quietPoll = quiet.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).cursor(quietCursor).build());
        long secondPosition = second.getItems().getFirst().getPosition();
        server.db().update(CHANGE_LOG).set(CHANGE_LOG.CHANGED_AT, OffsetDateTime.now().minusDays(31))
                .where(CHANGE_LOG.POSITION.le(secondPosition)).execute();

        long pruned = server.runJob(ChangesModule.RETENTION_JOB);

        assertThat(pruned).isEqualTo(secondPosition);
        assertThat(server.runJob(ChangesModule.RETENTION_JOB)).isZero(); // the third change is within the retention
        MarketplaceException expired = catchThrowableOfType(MarketplaceException.class,
                () -> server.client().products().listProductChanges(
                        ListProductChangesParams.builder().limit(10).cursor(first.getNextCursor()).build()));
        assertThat(expired.status()).isEqualTo(410);
        assertThat(expired.code()).isEqualTo(ErrorCode.CURSOR_EXPIRED);
        assertThat(server.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).cursor(second.getNextCursor()).build()).getItems())
                .extracting(ProductChange::getProductId).containsExactly(created.get(2));
        assertThat(server.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).build()).getItems())
                .extracting(ProductChange::getProductId).containsExactly(created.get(2));
        assertThat(quietPoll.getItems()).isEmpty();
        assertThat(quiet.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).cursor(quietPoll.getNextCursor()).build()).getItems()).isEmpty();
        assertThat(catchThrowableOfType(MarketplaceException.class,
                () -> quiet.client().products().listProductChanges(
                        ListProductChangesParams.builder().limit(10).cursor(quietCursor).build())).code())
                .isEqualTo(ErrorCode.CURSOR_EXPIRED);
    }

    @Test
    void feedPagesHoldUpToAThousandChanges() throws Exception {
        assertThat(server.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(1000).build()).getNextCursor()).isNotBlank();
        ValidationException tooLarge = catchThrowableOfType(ValidationException.class,
                () -> server.client().products().listProductChanges(
                        ListProductChangesParams.builder().limit(1001).build()));
        assertThat(tooLarge.fieldErrors()).extracting("field").containsExactly("limit");
    }
}
