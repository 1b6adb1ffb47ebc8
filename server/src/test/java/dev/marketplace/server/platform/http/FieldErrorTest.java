package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.security.Scopes;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldErrorTest {

    @Test
    void aShortSetIsListedInOrder() {
        assertThat(FieldError.oneOf(List.of("relevance", "newest", "price_asc")))
                .isEqualTo("must be one of newest, price_asc, relevance");
    }

    /** The scopes are too many to list within the message's documented 500 characters (SpecFuzzingIT found it). */
    @Test
    void aSetTooLongToListIsCountedWithinTheDocumentedLength() {
        String message = FieldError.oneOf(Scopes.ALL);
        assertThat(message).hasSizeLessThanOrEqualTo(FieldError.MESSAGE_MAX)
                .isEqualTo("must be one of the " + Scopes.ALL.size() + " values the API reference lists for this field");
    }
}
