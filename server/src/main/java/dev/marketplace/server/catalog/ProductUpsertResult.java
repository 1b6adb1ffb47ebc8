package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.http.FieldError;
import java.util.List;
import java.util.Optional;

/**
 * The result of one bulk upsert item: the product as it now is, or, when rejected, the problem's {@code code} and
 * {@code detail} and the offending fields (named within the item).
 */
public record ProductUpsertResult(int index, String externalId, UpsertOutcome outcome, Optional<Product> product,
                                  Optional<String> code, Optional<String> detail, List<FieldError> errors) {

    public ProductUpsertResult {
        errors = List.copyOf(errors);
    }

    static ProductUpsertResult applied(int index, UpsertOutcome outcome, Product product) {
        return new ProductUpsertResult(index, product.externalId(), outcome, Optional.of(product), Optional.empty(),
                Optional.empty(), List.of());
    }

    /** {@code externalId} may be null: an item without a valid one. */
    public static ProductUpsertResult rejected(int index, String externalId, String code, String detail,
                                               List<FieldError> errors) {
        return new ProductUpsertResult(index, externalId, UpsertOutcome.REJECTED, Optional.empty(), Optional.of(code),
                Optional.of(detail), errors);
    }
}
