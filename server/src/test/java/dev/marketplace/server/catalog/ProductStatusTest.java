package dev.marketplace.server.catalog;

import static dev.marketplace.server.catalog.ProductAction.APPROVE;
import static dev.marketplace.server.catalog.ProductAction.EDIT_CONTENT;
import static dev.marketplace.server.catalog.ProductAction.REJECT;
import static dev.marketplace.server.catalog.ProductAction.SUBMIT;
import static dev.marketplace.server.catalog.ProductStatus.DRAFT;
import static dev.marketplace.server.catalog.ProductStatus.PENDING_REVIEW;
import static dev.marketplace.server.catalog.ProductStatus.PUBLISHED;
import static dev.marketplace.server.catalog.ProductStatus.REJECTED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The whole moderation table: every status against every action, allowed or not. */
class ProductStatusTest {

    @Test
    void everyStatusAllowsExactlyTheDocumentedActions() {
        Map<ProductStatus, Map<ProductAction, ProductStatus>> allowed = new EnumMap<>(Map.of(
                DRAFT, Map.of(SUBMIT, PENDING_REVIEW, EDIT_CONTENT, DRAFT),
                PENDING_REVIEW, Map.of(APPROVE, PUBLISHED, REJECT, REJECTED, EDIT_CONTENT, DRAFT),
                PUBLISHED, Map.of(EDIT_CONTENT, DRAFT),
                REJECTED, Map.of(SUBMIT, PENDING_REVIEW, EDIT_CONTENT, DRAFT)));
        for (ProductStatus from : ProductStatus.values()) {
            for (ProductAction action : ProductAction.values()) {
                assertThat(from.after(action)).as("%s from %s", action, from)
                        .isEqualTo(Optional.ofNullable(allowed.get(from).get(action)));
            }
        }
    }
}
