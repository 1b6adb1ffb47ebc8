package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.migrations.Migrations;
import dev.marketplace.server.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.jooq.CloseableDSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A start checks the schema by comparing the build's migration set and the database's migration history with what
 * its last migrate recorded, and runs Flyway only when they differ (decision 84): an unchanged database is not
 * validated again, one of an earlier migration set is migrated, one whose history changed is refused by Flyway's
 * validation as before.
 */
class SchemaCheckIT {

    @TempDir
    Path dataDirectory;

    @Test
    void aDatabaseMigratedWithThisMigrationSetIsNotMigratedOrValidatedAgain() {
        String url = TestDatabases.newDatabase(); // a copy of the template, which Migrations.migrate brought up to date

        assertThat(Migrations.migrate(dataSource(url))).isEqualTo(new Migrations.Outcome(false, 0));
    }

    @Test
    void aDatabaseOfAnEarlierMigrationSetIsMigratedAndThenRecognised() {
        String url = TestDatabases.newEmptyDatabase();
        Flyway.configure().dataSource(url, "postgres", "").locations(Migrations.LOCATION).target("71").load().migrate();

        Migrations.Outcome first = Migrations.migrate(dataSource(url));
        Migrations.Outcome second = Migrations.migrate(dataSource(url));

        assertThat(first.flywayRan()).isTrue();
        assertThat(first.applied()).isPositive();
        assertThat(second).isEqualTo(new Migrations.Outcome(false, 0));
    }

    @Test
    void aDatabaseLastMigratedByAnotherBuildIsCheckedByFlyway() {
        String url = TestDatabases.newDatabase();
        try (CloseableDSLContext db = DSL.using(url)) {
            db.execute("UPDATE applied_migration_set SET fingerprint = 'another build''s migration set'");
        }

        assertThat(Migrations.migrate(dataSource(url))).isEqualTo(new Migrations.Outcome(true, 0));
        assertThat(Migrations.migrate(dataSource(url))).isEqualTo(new Migrations.Outcome(false, 0));
    }

    @Test
    void aServerDoesNotStartOnAHistoryThatNoLongerMatchesTheMigrations() {
        String url = TestDatabases.newDatabase();
        try (CloseableDSLContext db = DSL.using(url)) {
            // as if V10 had been edited after it was applied, or the history tampered with
            db.execute("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '10'");
        }

        assertThatThrownBy(() -> Database.start(settings(url)).close())
                .isInstanceOf(FlywayValidateException.class)
                .hasMessageContaining("checksum mismatch for migration version 10");
    }

    @Test
    void aServerDoesNotStartOnAFailedMigration() {
        String url = TestDatabases.newDatabase();
        try (CloseableDSLContext db = DSL.using(url)) {
            db.execute("UPDATE flyway_schema_history SET success = false "
                    + "WHERE installed_rank = (SELECT max(installed_rank) FROM flyway_schema_history)");
        }

        assertThatThrownBy(() -> Database.start(settings(url)).close())
                .isInstanceOf(FlywayValidateException.class)
                .hasMessageContaining("failed migration");
    }

    private DatabaseSettings settings(String url) {
        return new DatabaseSettings(Optional.of(url), "postgres", "", 2, Duration.ofSeconds(10), dataDirectory);
    }

    private static PGSimpleDataSource dataSource(String url) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setUrl(url);
        return source;
    }
}
