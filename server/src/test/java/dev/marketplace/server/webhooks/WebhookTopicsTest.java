package dev.marketplace.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.events.EventType;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookTopicsTest {

    @Test
    void everyEventTypeIsPublishedUnderATopicOrExplicitlyNot() {
        assertThat(EnumSet.complementOf(EnumSet.copyOf(WebhookTopics.decided())))
                .as("event types with no decision in WebhookTopics: add published(…) or notPublished(…)").isEmpty();
    }

    @Test
    void topicsAreUniqueAndFiltersMatchByNounOrWildcard() {
        List<String> topics = WebhookTopics.publishedTypes().stream()
                .map(type -> WebhookTopics.topicOf(type).orElseThrow().name()).toList();
        assertThat(topics).doesNotHaveDuplicates();
        assertThat(WebhookTopics.matches(Set.of("stock.*"), "stock.low")).isTrue();
        assertThat(WebhookTopics.matches(Set.of("stock.*"), "stocks.low")).isFalse();
        assertThat(WebhookTopics.matches(Set.of("*"), "payment.captured")).isTrue();
        assertThat(WebhookTopics.matches(Set.of("product.published"), "product.rejected")).isFalse();
        assertThat(WebhookTopics.isFilter("product.*")).isTrue();
        assertThat(WebhookTopics.isFilter("nothing.*")).isFalse();
        assertThat(WebhookTopics.isFilter("stock.high")).isFalse();
        assertThat(WebhookTopics.topicOf(EventType.PAYMENT_AUTHORIZED)).isEmpty();
    }
}
