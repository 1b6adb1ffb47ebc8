package dev.marketplace.server.platform.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.util.IsolationLevel;
import com.zaxxer.hikari.HikariDataSource;
import dev.marketplace.migrations.Migrations;
import dev.marketplace.server.platform.health.StartupPhases;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.DefaultTransactionListenerProvider;

/**
 * The system of record: a pooled connection to PostgreSQL (external by URL, or embedded with its files in
 * the data directory), migrated to the newest schema on start, and the jOOQ context every repository uses.
 */
public final class Database implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Database.class.getName());
    /** While the database is unreachable, how often one request tries the pool again (the others get 503 at once). */
    private static final Duration OUTAGE_RETRY = Duration.ofSeconds(1);
    /** Every pooled connection's isolation level outside a transaction that sets its own. */
    static final int SESSION_ISOLATION = java.sql.Connection.TRANSACTION_READ_COMMITTED;

    private final EmbeddedDatabase embedded;
    private final HikariDataSource pool;
    private final DatabaseOutage connections;
    private final DSLContext dsl;

    private Database(EmbeddedDatabase embedded, HikariDataSource pool, DSLContext unconnected) {
        this.embedded = embedded;
        this.pool = pool;
        // While the database is unreachable, requests are refused at once rather than each waiting the pool out.
        this.connections = new DatabaseOutage(pool, OUTAGE_RETRY);
        unconnected.configuration().set(connections);
        this.dsl = unconnected;
    }

    /**
     * The jOOQ context but its connections. The first one made initialises jOOQ's classes (its data types and their
     * bindings): ~100 ms of CPU, so it is made beside the embedded PostgreSQL's start and the schema's check.
     */
    private static DSLContext unconnectedContext() {
        // Per statement, jOOQ otherwise asks the driver for warnings after it runs (PostgreSQL's notices, which no
        // code here reads) and logs it at debug level (decision 100).
        return DSL.using(new DefaultConfiguration().set(SQLDialect.POSTGRES)
                .set(new Settings().withExecuteLogging(false).withFetchWarnings(false))
                .set(new DefaultTransactionListenerProvider(CommitWatch.listener())));
    }

    public static Database start(DatabaseSettings settings) {
        return start(settings, new StartupPhases());
    }

    /** The same, its phases (the embedded PostgreSQL's start, the schema's check) timed in the log with the server's. */
    public static Database start(DatabaseSettings settings, StartupPhases phases) {
        return start(settings, phases, EmbeddedDatabaseHeadStart.none());
    }

    /**
     * The same, with the embedded PostgreSQL {@code headStart} began before the configuration was read: taken if the
     * settings name its data directory, else stopped before the configured start (decision 122).
     */
    public static Database start(DatabaseSettings settings, StartupPhases phases, EmbeddedDatabaseHeadStart headStart) {
        // No other thread initialises jOOQ's classes until this ends (the database's start and the schema's check use
        // none): its data-type classes refer to each other in their initialisers, so two threads entering them by
        // different classes could deadlock (decision 132). It is joined before any jOOQ statement runs.
        CompletableFuture<DSLContext> contextMade = phases.beside("jOOQ context made", made -> unconnectedContext());
        StartupPhases.Phase awaitingHeadStart = phases.begin("embedded PostgreSQL started ahead awaited");
        Optional<EmbeddedDatabase> startedAhead = headStart.take(settings);
        startedAhead.ifPresent(taken -> awaitingHeadStart.ended());
        EmbeddedDatabase embedded = settings.embedded()
                ? startedAhead.orElseGet(() -> phases.timed("embedded PostgreSQL started",
                        () -> EmbeddedDatabase.start(settings.dataDirectory())))
                : null;
        String url = settings.url().orElseGet(() -> embedded.jdbcUrl());
        HikariConfig config = new HikariConfig();
        config.setPoolName("marketplace");
        config.setJdbcUrl(url);
        config.setUsername(settings.username());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(settings.poolSize());
        // Set on every connection the pool opens, whatever the server's default: what the code is written for, and
        // what the held connection answers without a round trip (HeldConnection).
        config.setTransactionIsolation(IsolationLevel.TRANSACTION_READ_COMMITTED.name());
        config.setConnectionTimeout(settings.connectionTimeout().toMillis());
        // The pool opens lazily so that a database that is briefly down at start is retried, not fatal.
        config.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(config);
        DSLContext unconnected;
        try {
            Migrations.Outcome schema = phases.timed("schema checked", () -> Migrations.migrate(pool));
            LOG.log(Level.INFO, "database ready (" + (embedded != null ? "embedded, " + settings.dataDirectory() : "external")
                    + "), " + (schema.flywayRan() ? "migrated by Flyway: " + schema.applied() + " migration(s) applied"
                    : "the migration set and history recorded at its last migrate: Flyway not run"));
            unconnected = StartupPhases.joined(contextMade);
        } catch (RuntimeException e) {
            pool.close();
            closeEmbedded(embedded);
            throw e;
        }
        return new Database(embedded, pool, unconnected);
    }

    public DSLContext dsl() {
        return dsl;
    }

    /**
     * Shows {@code observer} every statement and commit sent on the connections {@link #dsl()} takes from now on
     * (the test harness's statement counts, decision 100); null stops it. The pool's direct users (change
     * notifications, demo data) are not shown.
     */
    public void observeStatements(StatementObserver observer) {
        connections.observe(observer);
    }

    public DataSource dataSource() {
        return pool;
    }

    /** The most connections the pool opens ({@code db.pool.size}). */
    public int poolSize() {
        return pool.getMaximumPoolSize();
    }

    /**
     * A connection of its own, outside the pool, for a session that lasts as long as the server (LISTEN, see
     * {@link ChangeNotifications}): held by the pool, it would take one of the request paths' connections for good.
     */
    public Connection openDedicatedConnection() {
        try {
            return DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword());
        } catch (SQLException e) {
            throw new IllegalStateException("could not connect to the database", e);
        }
    }

    /**
     * Whether the database answers a trivial query within a second or two (the readiness check). On a connection of
     * its own, not the pool's: the pool would make the check wait its whole timeout while the database is down, and
     * report a busy pool as a database that is down (decision 50).
     */
    public boolean isReachable() {
        Properties properties = new Properties();
        if (pool.getUsername() != null) {
            properties.setProperty("user", pool.getUsername());
        }
        if (pool.getPassword() != null) {
            properties.setProperty("password", pool.getPassword());
        }
        properties.setProperty("connectTimeout", "1");
        properties.setProperty("socketTimeout", "2");
        properties.setProperty("ApplicationName", "marketplace readiness");
        try (Connection connection = DriverManager.getConnection(pool.getJdbcUrl(), properties)) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
        closeEmbedded(embedded);
    }

    private static void closeEmbedded(EmbeddedDatabase embedded) {
        if (embedded != null) {
            embedded.close();
        }
    }
}
