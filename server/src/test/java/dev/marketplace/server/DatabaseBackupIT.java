package dev.marketplace.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.server.platform.persistence.DatabaseBackup;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups of the embedded default (decision 36): one taken online while writes go on, restored by starting a server
 * on the copy, serves the data as of the backup — including what the copied secrets unseal (the signing key behind
 * every token) — and nothing written after it; a stopped server's files are copied as they are.
 */
class DatabaseBackupIT {

    @TempDir
    Path work;

    @Test
    void anOnlineBackupRestoresTheDataAsOfTheBackup() throws Exception {
        Path live = work.resolve("live");
        Path online = work.resolve("online");
        Category before;
        List<Category> writtenDuringBackup = new CopyOnWriteArrayList<>();
        Category after;
        try (MarketplaceServer server = MarketplaceServer.start(TestServer.config(settings(live)))) {
            MarketplaceClient operator = client(server);
            before = operator.categories().createCategory(new CategoryCreate().name("Before 前").commissionRateBasisPoints(800));

            AtomicBoolean backingUp = new AtomicBoolean(true);
            Thread writer = Thread.ofVirtual().start(() -> {
                for (int i = 0; backingUp.get(); i++) {
                    try {
                        writtenDuringBackup.add(operator.categories().createCategory(
                                new CategoryCreate().name("During " + i).commissionRateBasisPoints(900)));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            try {
                assertThat(DatabaseBackup.backUp(live, online)).isEqualTo(DatabaseBackup.Kind.ONLINE);
            } finally {
                backingUp.set(false);
                writer.join();
            }
            after = operator.categories().createCategory(new CategoryCreate().name("After 後").commissionRateBasisPoints(700));
        }
        assertThat(writtenDuringBackup).isNotEmpty();
        assertThat(Files.readString(online.resolve("secrets/encryption.key")))
                .isEqualTo(Files.readString(live.resolve("secrets/encryption.key")));

        try (MarketplaceServer restored = MarketplaceServer.start(TestServer.config(settings(online)))) {
            MarketplaceClient operator = client(restored);
            assertThat(operator.categories().getCategory(before.getId())).isEqualTo(before);
            assertThatThrownBy(() -> operator.categories().getCategory(after.getId()))
                    .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(404));
            // The restored database is writable and its sequences are past the copied rows.
            operator.categories().createCategory(new CategoryCreate().name("Restored").commissionRateBasisPoints(600));
        }
    }

    @Test
    void aStoppedServersFilesAreCopiedAsTheyAre() throws Exception {
        Path live = work.resolve("live");
        Path copy = work.resolve("copy");
        Category kept;
        try (MarketplaceServer server = MarketplaceServer.start(TestServer.config(settings(live)))) {
            kept = client(server).categories().createCategory(new CategoryCreate().name("Kept").commissionRateBasisPoints(500));
        }
        assertThat(DatabaseBackup.backUp(live, copy)).isEqualTo(DatabaseBackup.Kind.STOPPED_SERVER);

        try (MarketplaceServer restored = MarketplaceServer.start(TestServer.config(settings(copy)))) {
            assertThat(client(restored).categories().getCategory(kept.getId())).isEqualTo(kept);
        }
        assertThatThrownBy(() -> DatabaseBackup.backUp(live, copy))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is not empty");
        assertThatThrownBy(() -> DatabaseBackup.backUp(work.resolve("nothing"), work.resolve("other")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no embedded database");
    }

    private static Map<String, String> settings(Path dataDirectory) {
        // No configured encryption key: the server generates one into the data directory's secrets, as by default.
        return Map.of("server.port", "0", "server.host", "127.0.0.1", "db.url", "", "data.dir", dataDirectory.toString(),
                "security.encryption.key", "");
    }

    private static MarketplaceClient client(MarketplaceServer server) {
        URI baseUri = URI.create("http://127.0.0.1:" + server.port());
        return TestServer.clientWithToken(baseUri,
                TestServer.token(baseUri, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET));
    }
}
