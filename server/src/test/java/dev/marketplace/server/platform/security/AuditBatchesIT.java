package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.AUDIT_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.schema.tables.records.AuditEventRecord;
import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decision 89: audit lines left to the writer thread (decision 79) are written on a clean stop; a server whose web
 * server cannot start fails its start and leaves no writer thread behind.
 */
class AuditBatchesIT {

    private static final String WRITER_THREAD = "audit-batches";

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void everyLineLeftToTheWriterIsWrittenByTheTimeTheTrailIsClosed() {
        String prefix = UUID.randomUUID().toString().substring(0, 8) + "-";
        int lines = 5_000; // more than the writer's statement takes, so that some still wait when it is closed
        AuditTrail trail = new AuditTrail(server.db());
        for (int i = 0; i < lines; i++) {
            AuditEventRecord event = new AuditEventRecord();
            event.setRequestId(prefix + i);
            event.setMethod("POST");
            event.setPath("/v1/orders");
            event.setStatus(409);
            trail.write(event, true);
        }
        trail.close();

        assertThat(server.db().fetchCount(AUDIT_EVENT, AUDIT_EVENT.REQUEST_ID.startsWith(prefix))).isEqualTo(lines);
    }

    @Test
    void aServerWhosePortIsTakenStopsTheAuditWriterItStarted() throws Exception {
        long writersBefore = writerThreads();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> settings = Map.of("server.port", String.valueOf(taken.getLocalPort()),
                    "server.host", "127.0.0.1", "db.url", TestDatabases.newDatabase(),
                    "data.dir", Files.createTempDirectory("audit-start").toString());
            // Helidon does not throw: it logs the listener's failure and returns a stopped server.
            assertThatThrownBy(() -> MarketplaceServer.start(TestServer.config(settings)).close())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("the web server did not start");
        }
        assertThat(writerThreads()).isEqualTo(writersBefore);
    }

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> thread.getName().equals(WRITER_THREAD))
                .count();
    }
}
