package dev.marketplace.server.platform.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetSettingsTest {

    @Test
    void theShippedConfigurationHasTheDocumentedDefaults() {
        Config outbound = Config.just(ConfigSources.classpath("application.yaml")).get("outbound");

        assertThat(TargetSettings.from(outbound.get("defaults"), TargetSettings.DEFAULTS)).isEqualTo(TargetSettings.DEFAULTS);
        assertThat(TargetSettings.DEFAULTS).isEqualTo(new TargetSettings(Duration.ofSeconds(2), 3, Duration.ofMillis(200),
                Duration.ofSeconds(5), Duration.ofSeconds(5), 5f, 100, 50, Duration.ofSeconds(30), 3, 32));
        try (OutboundHttp outboundHttp = OutboundHttp.create(outbound)) {
            assertThat(outboundHttp.target("any-supplier").settings()).isEqualTo(TargetSettings.DEFAULTS);
        }
    }

    @Test
    void aTargetOverridesTheDefaultsItNamesAndInheritsTheRest() {
        Config outbound = Config.just(ConfigSources.create(Map.of(
                "outbound.defaults.timeout", "PT1S",
                "outbound.defaults.max-attempts", "4",
                "outbound.targets.acme-supplier.timeout", "PT10S",
                "outbound.targets.acme-supplier.failure-rate-threshold", "50",
                "outbound.targets.acme-supplier.max-concurrent-calls", "4"))).get("outbound");

        try (OutboundHttp outboundHttp = OutboundHttp.create(outbound)) {
            TargetSettings acme = outboundHttp.target("acme-supplier").settings();
            assertThat(acme.timeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(acme.failureRateThreshold()).isEqualTo(50f);
            assertThat(acme.maxConcurrentCalls()).isEqualTo(4);
            assertThat(acme.maxAttempts()).isEqualTo(4);
            assertThat(acme.waitInOpenState()).isEqualTo(Duration.ofSeconds(30));

            TargetSettings other = outboundHttp.target("other").settings();
            assertThat(other.timeout()).isEqualTo(Duration.ofSeconds(1));
            assertThat(other.maxAttempts()).isEqualTo(4);
            assertThat(other.maxConcurrentCalls()).isEqualTo(32);
        }
    }

    @Test
    void aMissingOutboundSectionMeansTheDefaults() {
        try (OutboundHttp outboundHttp = OutboundHttp.create(Config.empty().get("outbound"))) {
            assertThat(outboundHttp.target("partner").settings()).isEqualTo(TargetSettings.DEFAULTS);
        }
    }

    @Test
    void theBuilderStartsFromTheDefaultsAndValidates() {
        TargetSettings fast = TargetSettings.builder().timeout(Duration.ofMillis(100)).maxAttempts(1).build();
        assertThat(fast.timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(fast.maxAttempts()).isEqualTo(1);
        assertThat(fast.maxBackoff()).isEqualTo(TargetSettings.DEFAULTS.maxBackoff());
        assertThat(fast.toBuilder().maxAttempts(2).build().timeout()).isEqualTo(Duration.ofMillis(100));

        assertThatThrownBy(() -> TargetSettings.builder().timeout(Duration.ZERO).build()).hasMessageContaining("timeout");
        assertThatThrownBy(() -> TargetSettings.builder().maxAttempts(0).build()).hasMessageContaining("max-attempts");
        assertThatThrownBy(() -> TargetSettings.builder().failureRateThreshold(101).build()).hasMessageContaining("failure-rate-threshold");
        assertThatThrownBy(() -> TargetSettings.builder().initialBackoff(Duration.ofSeconds(10)).build()).hasMessageContaining("max-backoff");
    }

    @Test
    void targetNamesAreConfigurationKeys() {
        try (OutboundHttp outboundHttp = OutboundHttp.builder().build()) {
            assertThat(outboundHttp.target("webhook-42")).isSameAs(outboundHttp.target("webhook-42"));
            assertThatThrownBy(() -> outboundHttp.target("acme.supplier")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> outboundHttp.target("")).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
