package dev.marketplace.migrations;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The one place that knows where the migrations are and how they are applied. */
public final class Migrations {

    public static final String LOCATION = "classpath:db/migration";

    /** PostgreSQL's "undefined_table": a database migrated before {@code applied_migration_set} existed. */
    private static final String UNDEFINED_TABLE = "42P01";
    /** What Flyway's validation compares, per applied migration, in the order they were applied. */
    private static final String HISTORY_DIGEST = """
            SELECT md5(coalesce(string_agg(concat_ws(':', installed_rank, coalesce(version, ''), description, type, script,
                                                     coalesce(checksum::text, ''), success), ',' ORDER BY installed_rank),
                                ''))
            FROM flyway_schema_history""";

    private Migrations() {
    }

    /**
     * How a start found the schema: whether Flyway ran (validating the applied migrations and applying the pending
     * ones) and how many it applied.
     */
    public record Outcome(boolean flywayRan, int applied) {
    }

    /**
     * Brings the database's schema up to the newest migration, or refuses it (Flyway's validation: an applied
     * migration changed, missing or failed). Flyway runs unless the database recorded, at its last migrate, this
     * build's migration set and the migration history it still has (decision 84): then there is nothing to apply and
     * nothing Flyway's validation would find that it did not find then.
     */
    public static Outcome migrate(DataSource dataSource) {
        Optional<String> fingerprint = buildFingerprint();
        if (fingerprint.isPresent() && recorded(dataSource, fingerprint.get())) {
            return new Outcome(false, 0);
        }
        Flyway flyway = flyway(dataSource, LOCATION);
        int applied = flyway.migrate().migrationsExecuted;
        fingerprint.ifPresent(set -> record(dataSource, flyway, set));
        return new Outcome(true, applied);
    }

    static Flyway flyway(DataSource dataSource, String location) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(location)
                .failOnMissingLocations(true)
                .validateMigrationNaming(true)
                .load();
    }

    /** The fingerprint the build wrote; none when run from classes the build did not make (an IDE's). */
    private static Optional<String> buildFingerprint() {
        try (InputStream resource = Migrations.class.getClassLoader().getResourceAsStream(MigrationSetFingerprint.RESOURCE)) {
            return resource == null ? Optional.empty()
                    : Optional.of(new String(resource.readAllBytes(), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + MigrationSetFingerprint.RESOURCE, e);
        }
    }

    /** Whether the last migrate recorded this migration set and the history the database still has. */
    private static boolean recorded(DataSource dataSource, String fingerprint) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT fingerprint = ? AND history = ("
                     + HISTORY_DIGEST + ") FROM applied_migration_set")) {
            statement.setString(1, fingerprint);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() && row.getBoolean(1);
            }
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                return false;
            }
            throw new IllegalStateException("could not read the migration set the database last applied", e);
        }
    }

    /**
     * Records the migration set with the history as Flyway's validation saw it: the history is read, validated, and
     * recorded only if it is still the same (another node's migrate in between leaves nothing recorded, so the next
     * start runs Flyway).
     */
    private static void record(DataSource dataSource, Flyway flyway, String fingerprint) {
        try {
            String history;
            try (Connection connection = dataSource.getConnection();
                 Statement statement = connection.createStatement();
                 ResultSet digest = statement.executeQuery(HISTORY_DIGEST)) {
                digest.next();
                history = digest.getString(1);
            }
            flyway.validate(); // on a connection of its own: the pool may have just one
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement upsert = connection.prepareStatement("INSERT INTO applied_migration_set "
                         + "(fingerprint, history) SELECT ?, ? WHERE (" + HISTORY_DIGEST + ") = ? ON CONFLICT (one_row) "
                         + "DO UPDATE SET fingerprint = excluded.fingerprint, history = excluded.history, "
                         + "recorded_at = now()")) {
                upsert.setString(1, fingerprint);
                upsert.setString(2, history);
                upsert.setString(3, history);
                upsert.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not record the migration set the database applied", e);
        }
    }
}
