package dev.marketplace.server.platform.persistence;

import io.helidon.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the database is. With no {@code url}, the server runs an embedded PostgreSQL whose files live
 * under {@code dataDirectory}, so a restart keeps the data.
 *
 * @param url            JDBC URL of an external PostgreSQL ({@code db.url}, env {@code DB_URL}); empty for embedded
 * @param username       its user ({@code db.username}, env {@code DB_USERNAME})
 * @param password       its password ({@code db.password}, env {@code DB_PASSWORD})
 * @param poolSize       the most connections the pool opens ({@code db.pool.size}, env {@code DB_POOL_SIZE})
 * @param connectionTimeout how long a request waits for a connection before it gets 503
 *                       ({@code db.connection.timeout}, env {@code DB_CONNECTION_TIMEOUT}, ISO-8601 such as {@code PT5S})
 * @param dataDirectory  where the embedded database keeps its files ({@code data.dir}, env {@code DATA_DIR})
 */
public record DatabaseSettings(Optional<String> url, String username, String password, int poolSize, Duration connectionTimeout,
                               Path dataDirectory) {

    public static DatabaseSettings from(Config config) {
        Config db = config.get("db");
        return new DatabaseSettings(
                db.get("url").asString().filter(url -> !url.isBlank()),
                db.get("username").asString().get(),
                db.get("password").asString().get(),
                db.get("pool.size").asInt().get(),
                db.get("connection.timeout").as(Duration.class).get(),
                Path.of(config.get("data.dir").asString().get()));
    }

    public boolean embedded() {
        return url.isEmpty();
    }
}
