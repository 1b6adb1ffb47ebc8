package dev.marketplace.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.payments.HttpPaymentProvider;
import dev.marketplace.server.platform.http.Admission;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import dev.marketplace.server.platform.security.SecuritySettings;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment variables the README documents reach the keys they claim to (Helidon's aliasing rules), and every
 * default lives in {@code application.yaml}, not in code.
 */
class ConfigurationTest {

    /** A setting read with a fallback in code; {@code TargetSettings} falls back to {@code outbound.defaults}. */
    private static final Pattern DEFAULT_IN_CODE = Pattern.compile(
            "\\.as(Int|Long|String|Boolean|Double)\\(\\)\\.orElse\\(|\\.as\\(\\w+\\.class\\)\\.orElse\\(");

    @Test
    void everyDefaultIsInApplicationYamlNotInCode() throws Exception {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(path -> path.toString().endsWith(".java")).toList()) {
                if (source.endsWith("TargetSettings.java")) {
                    continue;
                }
                List<String> lines = Files.readAllLines(source);
                for (int i = 0; i < lines.size(); i++) {
                    if (DEFAULT_IN_CODE.matcher(lines.get(i)).find()) {
                        offenders.add(source + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertThat(offenders).as("read the setting with get() and put its default in application.yaml").isEmpty();
    }

    @Test
    void withoutAConfiguredKeyOneIsGeneratedOnceOwnerOnlyAndKept(@TempDir Path dataDirectory) throws Exception {
        Config config = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(ConfigSources.create(Map.of("data.dir", dataDirectory.toString())),
                        ConfigSources.classpath("application.yaml"))
                .build();
        byte[] sealed = SecuritySettings.from(config).keyEncryption().seal("secret".getBytes(), new byte[0]);
        Path keyFile = dataDirectory.resolve("secrets").resolve("encryption.key");
        assertThat(Files.getPosixFilePermissions(keyFile)).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(SecuritySettings.from(config).keyEncryption().open(sealed, new byte[0]))
                .as("a restart reads the same key").isEqualTo("secret".getBytes());
    }

    @Test
    void readmeEnvironmentVariablesOverrideTheShippedDefaults() {
        Map<String, String> environment = new HashMap<>(Map.of(
                "SERVER_PORT", "9191",
                "SERVER_MAX_dash_PAYLOAD_dash_SIZE", "2048",
                "DB_URL", "jdbc:postgresql://db.internal:5432/marketplace",
                "DB_POOL_SIZE", "7",
                "DB_CONNECTION_TIMEOUT", "PT2S",
                "DATA_DIR", "/var/lib/marketplace",
                "SECURITY_TOKEN_LIFETIME", "PT3M",
                "SECURITY_ENCRYPTION_KEY", "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
                "SECURITY_OPERATOR_CLIENT_ID", "ops-automation",
                "RATE_LIMITS_TOKEN_ENDPOINT", "5"));
        environment.putAll(Map.of(
                "HTTP_ADMISSION_IN_FLIGHT", "12",
                "HTTP_ADMISSION_QUEUE_LENGTH", "3",
                "HTTP_ADMISSION_QUEUE_TIME", "PT0.02S",
                "HTTP_ADMISSION_QUEUE_STANDING_TIME", "PT0.005S",
                "HTTP_ADMISSION_QUEUE_SEARCH_TIME", "PT0.01S",
                "CATALOG_LISTINGS_CONCURRENT_dash_MEMORY_dash_SEARCHES", "6",
                "CATALOG_LISTINGS_MEMORY_dash_SEARCH_dash_QUEUE", "PT0.05S"));
        environment.putAll(Map.of(
                "PAYMENTS_HTTP_BASE_URL", "https://api.pay.example.com",
                "PAYMENTS_HTTP_API_KEY", "sk_test_from_environment",
                "PAYMENTS_HTTP_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvironmentVariables.expand(environment)),
                        ConfigSources.classpath("application.yaml"))
                .build();

        assertThat(config.get("server.port").asInt().get()).isEqualTo(9191);
        assertThat(config.get("server.max-payload-size").asLong().get()).isEqualTo(2048);
        DatabaseSettings database = DatabaseSettings.from(config);
        assertThat(database.url()).contains("jdbc:postgresql://db.internal:5432/marketplace");
        assertThat(database.poolSize()).isEqualTo(7);
        assertThat(database.connectionTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(database.dataDirectory()).hasToString("/var/lib/marketplace");
        SecuritySettings security = SecuritySettings.from(config);
        assertThat(security.accessTokenLifetime()).isEqualTo(Duration.ofMinutes(3));
        assertThat(security.operatorClientId()).contains("ops-automation");
        assertThat(security.issuer()).as("SECURITY_ISSUER unset follows SERVER_PORT").isEqualTo("http://localhost:9191");
        assertThat(config.get("rate.limits.token.endpoint").asInt().get()).isEqualTo(5);
        assertThat(Admission.Settings.from(config.get("http.admission")))
                .isEqualTo(new Admission.Settings(12, 3, Duration.ofMillis(20), Duration.ofMillis(10),
                        Duration.ofMillis(5)));
        assertThat(config.get("catalog.listings.concurrent-memory-searches").asInt().get()).isEqualTo(6);
        assertThat(config.get("catalog.listings.memory-search-queue").as(Duration.class).get())
                .isEqualTo(Duration.ofMillis(50));
        assertThat(HttpPaymentProvider.Settings.from(config.get("payments.http")))
                .isEqualTo(new HttpPaymentProvider.Settings(URI.create("https://api.pay.example.com"), "sk_test_from_environment",
                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    }

    @Test
    void readmeEnvironmentVariablesReachTheCustomerAndPiiKeySettings() {
        Map<String, String> environment = Map.of(
                "SECURITY_REFRESH_TOKEN_IDLE", "P7D",
                "SECURITY_PII_CURRENT_ID", "k2",
                "SECURITY_PII_PREVIOUS_KEYS_K1", "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
                "CUSTOMERS_SIGNIN_ACCOUNT_MAX_FAILURES", "3");
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvironmentVariables.expand(environment)),
                        ConfigSources.classpath("application.yaml"))
                .build();

        assertThat(config.get("security.refresh.token.idle").as(Duration.class).get()).isEqualTo(Duration.ofDays(7));
        assertThat(config.get("security.pii.current.id").asString().get()).isEqualTo("k2");
        assertThat(config.get("security.pii.previous.keys.k1").asString().get()).startsWith("q83v");
        assertThat(config.get("customers.signin.account.max.failures").asInt().get()).isEqualTo(3);
        assertThat(config.get("customers.signin.window").as(Duration.class).get()).isEqualTo(Duration.ofMinutes(15));
    }
}
