package dev.marketplace.server.testing;

import dev.marketplace.migrations.Migrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL per test JVM. The migrations run once into a template database; every test class
 * gets a fresh copy of it ({@code CREATE DATABASE ... TEMPLATE}, milliseconds), so classes never see each
 * other's rows.
 */
public final class TestDatabases {

    private static final String TEMPLATE = "marketplace_template";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    /** A JDBC URL of a new, migrated, empty database (user {@code postgres}, no password). */
    public static synchronized String newDatabase() {
        EmbeddedPostgres server = server();
        String name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        execute(server, "CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
        return server.getJdbcUrl("postgres", name);
    }

    /** A JDBC URL of a new database with no migrations applied, for tests of a migration over existing rows. */
    public static synchronized String newEmptyDatabase() {
        EmbeddedPostgres server = server();
        String name = "empty_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        execute(server, "CREATE DATABASE " + name);
        return server.getJdbcUrl("postgres", name);
    }

    /** Runs administrative SQL (as superuser, in the {@code postgres} database), e.g. to cut a test database off. */
    public static void execute(String sql) {
        execute(server(), sql);
    }

    private static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder()
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off")
                        .setServerConfig("max_connections", "300")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            execute(postgres, "CREATE DATABASE " + TEMPLATE);
            Migrations.migrate(postgres.getDatabase("postgres", TEMPLATE));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away; the temporary files go with the process's temp dir
                }
            }));
        }
        return postgres;
    }

    private static void execute(EmbeddedPostgres server, String sql) {
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
