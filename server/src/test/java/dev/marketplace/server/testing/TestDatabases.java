package dev.marketplace.server.testing;

import dev.marketplace.migrations.Migrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One PostgreSQL server per test JVM: an embedded one, or the external server named by {@code TEST_DB_URL} (a JDBC
 * URL of its {@code postgres} database for a role that may create databases, e.g.
 * {@code jdbc:postgresql://localhost:5432/postgres?user=postgres&password=…}; `.ci/run` runs the integration tests
 * once more against Debian's PostgreSQL that way). The migrations run once into a template database; every test
 * class gets a fresh copy of it ({@code CREATE DATABASE ... TEMPLATE}, milliseconds), so classes never see each
 * other's rows.
 */
public final class TestDatabases {

    private static final String TEMPLATE = "marketplace_template";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Pattern TEST_DATABASE_NAME = Pattern.compile("^(?:test|empty)_(\\d+)_\\d+$");
    private static final Pattern DATABASE_IN_URL = Pattern.compile("^(jdbc:postgresql://[^/]+/)([^?]*)(.*)$");
    private static String adminUrl;

    private TestDatabases() {
    }

    /** jOOQ over the database at {@code url} directly (a connection per statement or transaction), for tests. */
    public static DSLContext dsl(String url) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setUrl(url);
        return DSL.using(source, SQLDialect.POSTGRES);
    }

    /** A JDBC URL of a new, migrated, empty database. */
    public static synchronized String newDatabase() {
        String name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
        return urlOf(name);
    }

    /** A JDBC URL of a new database with no migrations applied, for tests of a migration over existing rows. */
    public static synchronized String newEmptyDatabase() {
        String name = "empty_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name);
        return urlOf(name);
    }

    /** Runs administrative SQL (as the server's admin role, in its {@code postgres} database), e.g. to cut a test database off. */
    public static void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(adminUrl());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static String urlOf(String database) {
        Matcher url = DATABASE_IN_URL.matcher(adminUrl());
        if (!url.matches()) {
            throw new IllegalStateException("TEST_DB_URL is not a jdbc:postgresql://host/database URL");
        }
        return url.group(1) + database + url.group(3);
    }

    private static synchronized String adminUrl() {
        if (adminUrl == null) {
            String external = System.getenv("TEST_DB_URL");
            adminUrl = external == null || external.isBlank() ? startEmbedded() : external;
            if (adminUrl.equals(external)) {
                dropDatabasesOfEndedRuns();
            }
            prepareTemplate();
        }
        return adminUrl;
    }

    /** A template left by an earlier run against the same external server is replaced: the migrations may have changed. */
    private static void prepareTemplate() {
        execute("DROP DATABASE IF EXISTS " + TEMPLATE + " WITH (FORCE)");
        execute("CREATE DATABASE " + TEMPLATE);
        PGSimpleDataSource template = new PGSimpleDataSource();
        template.setUrl(urlOf(TEMPLATE));
        Migrations.migrate(template);
    }

    /**
     * An external server outlives the test JVMs: the databases of runs whose JVM has ended are dropped here, at the
     * next start, rather than in a shutdown hook (dropping dozens of databases outlasts the fork's exit timeout).
     */
    private static void dropDatabasesOfEndedRuns() {
        List<String> leftovers = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(adminUrl);
             Statement statement = connection.createStatement();
             ResultSet names = statement.executeQuery("SELECT datname FROM pg_database")) {
            while (names.next()) {
                Matcher testDatabase = TEST_DATABASE_NAME.matcher(names.getString(1));
                if (testDatabase.matches() && ProcessHandle.of(Long.parseLong(testDatabase.group(1))).isEmpty()) {
                    leftovers.add(names.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("listing the databases of " + adminUrl, e);
        }
        leftovers.forEach(name -> execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
    }

    private static String startEmbedded() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "300")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away; the temporary files go with the process's temp dir
                }
            }));
            return postgres.getJdbcUrl("postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
