package dev.marketplace.migrations;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Target;

/**
 * Build-time program: migrates a throw-away embedded PostgreSQL with the real migrations and generates
 * jOOQ classes from the resulting schema (no Docker, no DDL simulation). Skips all of it when the
 * migrations have not changed since the last run.
 *
 * <p>Arguments: the migrations folder, the output folder, the target package.
 */
public final class JooqCodegen {

    private static final String STAMP_FILE = ".migrations.sha256";

    private JooqCodegen() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: JooqCodegen <migrations dir> <output dir> <package>");
        }
        Path migrations = Path.of(args[0]).toAbsolutePath();
        Path output = Path.of(args[1]).toAbsolutePath();
        String packageName = args[2];

        String hash = MigrationSetFingerprint.of(migrations) + " " + packageName;
        Path stamp = output.resolve(STAMP_FILE);
        if (Files.exists(stamp) && Files.readString(stamp).equals(hash)) {
            System.out.println("[jooq-codegen] migrations unchanged, keeping " + output);
            return;
        }
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            Migrations.flyway(postgres.getPostgresDatabase(), "filesystem:" + migrations).migrate();
            try (Connection connection = postgres.getPostgresDatabase().getConnection()) {
                GenerationTool generator = new GenerationTool();
                generator.setConnection(connection);
                generator.run(configuration(output, packageName));
            }
        }
        Files.createDirectories(output);
        Files.writeString(stamp, hash);
    }

    private static Configuration configuration(Path output, String packageName) {
        return new Configuration().withGenerator(new Generator()
                .withDatabase(new Database()
                        .withName("org.jooq.meta.postgres.PostgresDatabase")
                        .withInputSchema("public")
                        .withOutputSchemaToDefault(true)
                        .withExcludes("flyway_schema_history|applied_migration_set"))
                .withGenerate(new Generate()
                        .withJavaTimeTypes(true)
                        .withRecords(true)
                        .withPojos(false)
                        .withDaos(false)
                        .withGeneratedAnnotation(false)
                        .withComments(true))
                .withTarget(new Target()
                        .withPackageName(packageName)
                        .withDirectory(output.toString())
                        .withClean(true)));
    }
}
