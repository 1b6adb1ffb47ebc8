package dev.marketplace.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default set-up of the README's run command: no database URL, so the server runs its own embedded
 * PostgreSQL with the files in the data directory. Data written before a restart is there after it, and a commit
 * is on disk when it is acknowledged (not the scratch settings of test databases).
 */
class EmbeddedDatabaseRestartIT {

    @TempDir
    Path dataDirectory;

    @Test
    void aRestartKeepsTheData() throws Exception {
        Map<String, String> settings = Map.of(
                "server.port", "0",
                "server.host", "127.0.0.1",
                "db.url", "",
                "data.dir", dataDirectory.toString());

        Category created;
        try (MarketplaceServer first = MarketplaceServer.start(TestServer.config(settings))) {
            for (String durability : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
                assertThat(first.database().dsl().fetchValue("SELECT current_setting({0})", durability))
                        .as(durability).isEqualTo("on");
            }
            created = client(first).categories().createCategory(
                    new CategoryCreate().name("Persistent 永続").commissionRateBasisPoints(1100));
        }
        assertThat(Files.exists(dataDirectory.resolve("postgres").resolve("PG_VERSION"))).isTrue();

        try (MarketplaceServer second = MarketplaceServer.start(TestServer.config(settings))) {
            Category reread = client(second).categories().getCategory(created.getId());
            assertThat(reread).isEqualTo(created);
        }
    }

    private static MarketplaceClient client(MarketplaceServer server) {
        URI baseUri = URI.create("http://127.0.0.1:" + server.port());
        return TestServer.clientWithToken(baseUri,
                TestServer.token(baseUri, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET));
    }
}
