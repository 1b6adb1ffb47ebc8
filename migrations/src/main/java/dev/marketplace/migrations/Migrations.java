package dev.marketplace.migrations;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The one place that knows where the migrations are and how they are applied. */
public final class Migrations {

    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {
    }

    /** Brings the database's schema up to the newest migration; returns how many were applied. */
    public static int migrate(DataSource dataSource) {
        return flyway(dataSource, LOCATION).migrate().migrationsExecuted;
    }

    static Flyway flyway(DataSource dataSource, String location) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(location)
                .failOnMissingLocations(true)
                .validateMigrationNaming(true)
                .load();
    }
}
