package dev.marketplace.server.platform.persistence;

import static dev.marketplace.schema.Tables.PRODUCT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TcpProxy;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.impl.DataSourceConnectionProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decision 89: a connection the pool closed under its holder because the database was cut is an outage (503 with
 * Retry-After), though HikariCP says only "Connection is closed", with no SQLState; a connection used after its holder
 * closed it is still a bug. The server reaches its database through a {@link TcpProxy} that cuts every connection.
 */
class ConnectionLostIT {

    private static final String DATABASE = TestDatabases.newDatabase();
    private static final TcpProxy PROXY = proxy();

    /** Registered before the server, so closed after it (extensions' afterAll run in reverse order). */
    @RegisterExtension
    static final AfterAllCallback closeProxy = context -> PROXY.close();

    @RegisterExtension
    static final TestServer server = new TestServer().with("db.url", PROXY.jdbcUrl())
            .with("db.connection.timeout", "PT3S");

    private static TcpProxy proxy() {
        try {
            return TcpProxy.forDatabase(DATABASE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Until the database answers and no caller still waits out the cut (it would find the database down again). */
    @AfterEach
    void restore() throws SQLException {
        PROXY.restore();
        DatabaseOutage outage = ((DataSourceConnectionProvider) server.db().configuration().connectionProvider())
                .dataSource().unwrap(DatabaseOutage.class);
        HikariPoolMXBean pool = server.dataSource().unwrap(HikariDataSource.class).getHikariPoolMXBean();
        Await.until(Duration.ofSeconds(30), "the database answers again", () -> {
            try {
                server.db().fetchOne("SELECT 1");
            } catch (RuntimeException stillDown) {
                return false;
            }
            return pool.getThreadsAwaitingConnection() == 0 && !outage.isDown();
        });
    }

    @Test
    void aCallOnAConnectionThePoolClosedAfterTheCutIsALostConnectionButOneAfterItsHolderClosedItIsNot() {
        server.db().connection(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
            }
            PROXY.cut();
            assertThatThrownBy(() -> connection.createStatement().execute("SELECT 1"))
                    .isInstanceOfSatisfying(SQLException.class, cut -> assertThat(cut.getSQLState()).startsWith("08"));
            // What code that caught the failure above meets next (a savepoint's fallback, a subscriber's handler).
            assertThatThrownBy(() -> connection.prepareStatement("SELECT 1"))
                    .isInstanceOfSatisfying(SQLException.class, closed -> {
                        assertThat(closed.getSQLState()).isEqualTo("08003");
                        assertThat(closed.getCause()).hasMessage("Connection is closed");
                        assertThat(DatabaseFailures.unreachable(closed)).isTrue();
                    });
        });
        PROXY.restore();

        AtomicReference<Connection> kept = new AtomicReference<>();
        server.db().connection(kept::set);
        assertThatThrownBy(() -> kept.get().prepareStatement("SELECT 1"))
                .isInstanceOfSatisfying(SQLException.class, usedAfterClose -> {
                    assertThat(usedAfterClose.getMessage()).isEqualTo("Connection is closed");
                    assertThat(usedAfterClose.getSQLState()).isNull();
                    assertThat(DatabaseFailures.unreachable(usedAfterClose)).as("a bug, not an outage").isFalse();
                });
    }

    /**
     * A bulk upsert of new products tries them all in one statement in a savepoint and, when that fails, one by one
     * (decision 70): it caught the cut's failure and went on, on the connection the pool had closed. Held on a table
     * lock taken outside the proxy, the insert is under way when the cut comes.
     */
    @Test
    void aBulkUpsertWhoseConnectionIsCutMidTransactionIsAnswered503AndRunsOnceWhenSentAgain() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID tea = server.client().categories().createCategory(new CategoryCreate().name("Tea")
                .commissionRateBasisPoints(1000)).getId();
        ActiveMerchant merchant = catalog.activeMerchant("Uji Tea Works", tea);
        String key = UUID.randomUUID().toString();
        String body = """
                {"products":[
                  {"externalId":"CUT-1","categoryId":"%1$s","title":{"en":"Sencha"},
                   "variants":[{"sku":"CUT-1","price":{"amount":1200,"currency":"JPY"}}]},
                  {"externalId":"CUT-2","categoryId":"%1$s","title":{"en":"Bancha"},
                   "variants":[{"sku":"CUT-2","price":{"amount":600,"currency":"JPY"}}]}]}
                """.formatted(tea);

        CompletableFuture<HttpResponse<String>> cut;
        try (Connection outsideTheProxy = DriverManager.getConnection(DATABASE);
             Statement lock = outsideTheProxy.createStatement()) {
            outsideTheProxy.setAutoCommit(false);
            lock.execute("LOCK TABLE " + PRODUCT.getName() + " IN SHARE MODE");
            cut = CompletableFuture.supplyAsync(() -> server.send(bulkUpsert(merchant, key, body)));
            Await.until(Duration.ofSeconds(30), "the products' insert waits for the lock",
                    () -> waitingInserts(outsideTheProxy) > 0);
            PROXY.cut();
            HttpResponse<String> refused = cut.get();
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("\"code\":\"service_unavailable\"");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            outsideTheProxy.rollback();
        }
        PROXY.restore();

        Await.until(Duration.ofSeconds(30), "the resend with its key is answered",
                () -> server.send(bulkUpsert(merchant, key, body)).statusCode() == 200);
        assertThat(server.db().fetchCount(PRODUCT, PRODUCT.MERCHANT_ID.eq(merchant.id())))
                .as("each product once").isEqualTo(2);
    }

    private static HttpRequest bulkUpsert(ActiveMerchant merchant, String key, String body) {
        return HttpRequest.newBuilder(server.uri("/v1/products/bulk")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + merchant.token()).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static int waitingInserts(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            // A transaction keeps its first look at pg_stat_activity unless told to take a new one.
            statement.execute("SELECT pg_stat_clear_snapshot()");
            try (var waiting = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type "
                    + "= 'Lock' AND query LIKE 'insert into \"" + PRODUCT.getName() + "\"%'")) {
                waiting.next();
                return waiting.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
