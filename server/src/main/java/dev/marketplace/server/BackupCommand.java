package dev.marketplace.server;

import dev.marketplace.server.platform.persistence.DatabaseBackup;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import io.helidon.config.Config;
import java.nio.file.Path;

/**
 * {@code java -jar marketplace-server.jar backup <directory>}: a backup of the embedded default's data directory,
 * taken while the server runs or not (see {@link DatabaseBackup} and the README's "Backups").
 */
final class BackupCommand {

    private BackupCommand() {
    }

    /** The process's exit status: 0 done, 1 failed, 2 misused. */
    static int run(Config config, String[] args) {
        if (args.length != 2) {
            System.err.println("usage: java -jar marketplace-server.jar backup <directory>");
            return 2;
        }
        DatabaseSettings settings = DatabaseSettings.from(config);
        if (!settings.embedded()) {
            System.err.println("DB_URL names an external PostgreSQL: back it up with its own tools (pg_dump, "
                    + "pg_basebackup, your provider's snapshots), and keep SECURITY_ENCRYPTION_KEY with it");
            return 2;
        }
        Path target = Path.of(args[1]);
        try {
            DatabaseBackup.Kind kind = DatabaseBackup.backUp(settings.dataDirectory(), target);
            System.out.printf("Backed up %s into %s (%s); restore by starting a server with DATA_DIR=%s%n",
                    settings.dataDirectory().toAbsolutePath(), target.toAbsolutePath(),
                    kind == DatabaseBackup.Kind.ONLINE ? "online, while the server ran" : "the stopped server's files",
                    target.toAbsolutePath());
            return 0;
        } catch (RuntimeException e) {
            System.err.println("backup failed: " + e.getMessage());
            return 1;
        }
    }
}
