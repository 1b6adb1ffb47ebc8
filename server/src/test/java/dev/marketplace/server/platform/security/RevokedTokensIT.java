package dev.marketplace.server.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How late a revocation taken on another node applies here while this node's re-read of the lists is slow: a request
 * may answer from lists up to {@link RevokedTokens#USABLE_FOR} old beside the re-read, never from older ones.
 */
class RevokedTokensIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void listsTooOldToTrustAreNotUsedWhileAnotherRequestReReadsThem() throws Exception {
        MovableClock clock = new MovableClock();
        RevokedTokens thisNode = new RevokedTokens(server.db(), clock);
        String jti = UUID.randomUUID().toString();
        Instant issuedAt = clock.instant();
        assertThat(thisNode.isRevoked(jti, "storefront", issuedAt)).as("the first load").isFalse();

        new RevokedTokens(server.db(), clock).revoke(jti, "storefront", issuedAt.plus(Duration.ofMinutes(10)));

        try (Connection blocker = server.dataSource().getConnection(); Statement statement = blocker.createStatement()) {
            // The database slow for the lists: a re-read waits on this lock until the test lets it go.
            blocker.setAutoCommit(false);
            statement.execute("LOCK TABLE revoked_token IN ACCESS EXCLUSIVE MODE");

            clock.advance(RevokedTokens.REFRESH.plusSeconds(1));
            CompletableFuture<Boolean> refresher = CompletableFuture.supplyAsync(
                    () -> thisNode.isRevoked(jti, "storefront", issuedAt));
            Await.until(Duration.ofSeconds(30), "the re-read waits on the lock", () -> reReadsWaitingOnTheLock() == 1);
            assertThat(thisNode.isRevoked(jti, "storefront", issuedAt))
                    .as("beside the re-read, lists younger than USABLE_FOR still answer").isFalse();

            clock.advance(RevokedTokens.USABLE_FOR);
            CompletableFuture<Boolean> late = new CompletableFuture<>();
            Thread request = Thread.ofPlatform().start(() -> late.complete(thisNode.isRevoked(jti, "storefront", issuedAt)));
            Await.until(Duration.ofSeconds(30), "the request waits for the re-read",
                    () -> request.getState() == Thread.State.BLOCKED);
            assertThat(late).as("lists older than USABLE_FOR do not answer").isNotDone();

            blocker.commit();
            assertThat(late.get(30, TimeUnit.SECONDS)).as("answered from the re-read lists").isTrue();
            assertThat(refresher.get(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Read on a connection of its own: a transaction sees the activity view as it was at its first look. */
    private static int reReadsWaitingOnTheLock() {
        Object waiting = server.db().fetchValue("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND query ILIKE 'delete from %revoked_token%'");
        return ((Number) waiting).intValue();
    }
}
