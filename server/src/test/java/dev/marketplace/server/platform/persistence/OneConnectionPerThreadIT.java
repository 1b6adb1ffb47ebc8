package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.OneConnectionPerThreadCheck;
import dev.marketplace.server.testing.TestServer;
import io.helidon.metrics.api.Metrics;
import java.time.Duration;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decision 89: a background job that takes a second pooled connection while it holds one fails the build, although
 * the job runner only logs its failure. The check every integration test class ends with
 * ({@link OneConnectionPerThreadCheck}) is called here in the test, so that this class itself passes.
 */
class OneConnectionPerThreadIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void aJobThatTakesASecondConnectionFailsTheCheckItsTestClassEndsWith() {
        OneConnectionPerThreadCheck.failOnNewRefusals(); // nothing before this test counts
        int before = OneConnectionPerThread.refusals().size();
        DSLContext pool = server.db();
        try (Jobs jobs = new Jobs(Metrics.globalRegistry())) {
            // Reads through the pool while its transaction holds a connection: the mistake decision 81 made a check for.
            jobs.schedule("test.nested-connection", Duration.ZERO, Duration.ofHours(1),
                    () -> pool.transactionResult(tx -> pool.fetchCount(pool.selectOne())));
            Await.until(Duration.ofSeconds(30), "the job ran and was refused",
                    () -> OneConnectionPerThread.refusals().size() > before);
        }

        assertThatThrownBy(OneConnectionPerThreadCheck::failOnNewRefusals)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("takes a second pooled connection")
                .cause().isInstanceOf(IllegalStateException.class)
                .cause().hasMessage("the first connection taken here");
        assertThat(server.db().fetchSingle("SELECT 1").get(0, Integer.class)).as("the refused connection went back to the pool")
                .isEqualTo(1);
    }
}
