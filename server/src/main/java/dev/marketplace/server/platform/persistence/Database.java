package dev.marketplace.server.platform.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.marketplace.migrations.Migrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * The system of record: a pooled connection to PostgreSQL (external by URL, or embedded with its files in
 * the data directory), migrated to the newest schema on start, and the jOOQ context every repository uses.
 */
public final class Database implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    private final EmbeddedPostgres embedded;
    private final HikariDataSource pool;
    private final DSLContext dsl;

    private Database(EmbeddedPostgres embedded, HikariDataSource pool) {
        this.embedded = embedded;
        this.pool = pool;
        this.dsl = DSL.using(pool, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
    }

    public static Database start(DatabaseSettings settings) {
        EmbeddedPostgres embedded = settings.embedded() ? startEmbedded(settings.dataDirectory()) : null;
        String url = settings.url().orElseGet(() -> embedded.getJdbcUrl("postgres", "postgres"));
        HikariConfig config = new HikariConfig();
        config.setPoolName("marketplace");
        config.setJdbcUrl(url);
        config.setUsername(settings.username());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(settings.poolSize());
        config.setConnectionTimeout(settings.connectionTimeout().toMillis());
        // The pool opens lazily so that a database that is briefly down at start is retried, not fatal.
        config.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            int applied = Migrations.migrate(pool);
            LOG.log(Level.INFO, "database ready (" + (embedded != null ? "embedded, " + settings.dataDirectory() : "external")
                    + "), " + applied + " migration(s) applied");
        } catch (RuntimeException e) {
            pool.close();
            closeEmbedded(embedded);
            throw e;
        }
        return new Database(embedded, pool);
    }

    private static EmbeddedPostgres startEmbedded(Path dataDirectory) {
        try {
            Path postgresFiles = dataDirectory.resolve("postgres").toAbsolutePath();
            Files.createDirectories(postgresFiles);
            // Not a scratch database: the files are kept, so a restart keeps the marketplace's data.
            return EmbeddedPostgres.builder()
                    .setDataDirectory(postgresFiles)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // The library's defaults are for scratch test databases (no fsync, no synchronous commit, no
                    // full-page writes): a crash would lose committed orders and money events, or corrupt the files.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    // local disk: an index probe is not 4× a sequential read; with the default the planner scanned
                    // all stock levels to join 10,000 keys of a bulk stock update instead of probing the primary key
                    .setServerConfig("random_page_cost", "1.1")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDirectory, e);
        } catch (IllegalStateException e) {
            // zonky locks the data directory: one embedded database belongs to one server process.
            throw new IllegalStateException("the data directory " + dataDirectory.toAbsolutePath()
                    + " is in use by another server; give this one its own DATA_DIR, or point both at one DB_URL", e);
        }
    }

    public DSLContext dsl() {
        return dsl;
    }

    public DataSource dataSource() {
        return pool;
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

    /** Whether the database answers a trivial query within a second (the readiness check). */
    public boolean isReachable() {
        try (Connection connection = pool.getConnection()) {
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

    private static void closeEmbedded(EmbeddedPostgres embedded) {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "embedded PostgreSQL did not stop cleanly", e);
            }
        }
    }
}
