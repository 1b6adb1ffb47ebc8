package dev.marketplace.server.platform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckType;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HealthHttpServiceTest {

    private final AtomicInteger indexCalls = new AtomicInteger();
    private final AtomicInteger databaseCalls = new AtomicInteger();

    private List<HealthCheck> checks(boolean indexFilled) {
        return List.of(
                HealthHttpService.check("searchIndex", HealthCheckType.READINESS, () -> {
                    indexCalls.incrementAndGet();
                    return indexFilled;
                }),
                HealthHttpService.check("database", HealthCheckType.READINESS, () -> {
                    databaseCalls.incrementAndGet();
                    return true;
                }));
    }

    @Test
    void anAnonymousProbeStopsAtTheFirstCheckThatIsDown() {
        HealthHttpService.Health health = HealthHttpService.evaluate(checks(false), false);

        assertThat(health.status()).isEqualTo("DOWN");
        assertThat(health.checks()).isNull();
        assertThat(indexCalls).hasValue(1);
        assertThat(databaseCalls).as("no connection opened once the index is down").hasValue(0);
    }

    @Test
    void anAnonymousProbeRunsEveryCheckWhileTheyAreUp() {
        HealthHttpService.Health health = HealthHttpService.evaluate(checks(true), false);

        assertThat(health.status()).isEqualTo("UP");
        assertThat(databaseCalls).hasValue(1);
    }

    @Test
    void theOperatorSeesEveryCheckEvenAfterOneIsDown() {
        HealthHttpService.Health health = HealthHttpService.evaluate(checks(false), true);

        assertThat(health.status()).isEqualTo("DOWN");
        assertThat(health.checks()).extracting(HealthHttpService.CheckResult::name, HealthHttpService.CheckResult::status)
                .containsExactly(
                        tuple("searchIndex", "DOWN"),
                        tuple("database", "UP"));
        assertThat(databaseCalls).hasValue(1);
    }
}
