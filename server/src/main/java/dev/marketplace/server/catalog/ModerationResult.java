package dev.marketplace.server.catalog;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * What a bulk moderation did with one item: the product as it now is, or, when rejected, the problem's {@code code}
 * and {@code detail} it would have answered alone.
 */
public record ModerationResult(int index, UUID productId, Outcome outcome, Optional<Product> product,
                               Optional<String> code, Optional<String> detail) {

    public enum Outcome {
        /** The product moved to the status the action leads to. */
        APPLIED,
        /** The product already had that status: nothing was written, so sending the request again changes nothing. */
        UNCHANGED,
        REJECTED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static ModerationResult of(int index, Outcome outcome, Product product) {
        return new ModerationResult(index, product.id(), outcome, Optional.of(product), Optional.empty(),
                Optional.empty());
    }

    static ModerationResult rejected(int index, UUID productId, String code, String detail) {
        return new ModerationResult(index, productId, Outcome.REJECTED, Optional.empty(), Optional.of(code),
                Optional.of(detail));
    }
}
