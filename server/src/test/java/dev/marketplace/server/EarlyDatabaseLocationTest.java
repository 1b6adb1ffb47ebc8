package dev.marketplace.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The data directory guessed before the configuration is built follows its sources' precedence (decision 122). */
class EarlyDatabaseLocationTest {

    private static final Function<String, Optional<String>> DEFAULTS = EarlyDatabaseLocation.yaml(Optional.of("""
            db:
              url: ""
              username: postgres
            data:
              dir: data
            """));

    @Test
    void theDefaultsNameTheEmbeddedDatabaseInDataAndOverridesComeFirst() {
        assertThat(EarlyDatabaseLocation.guess(List.of(DEFAULTS))).contains(Path.of("data"));
        // the overrides (the AOT training's) above everything this JVM's environment and files say
        assertThat(EarlyDatabaseLocation.guess(Map.of("db.url", "", "data.dir", "elsewhere"))).contains(Path.of("elsewhere"));
    }

    @Test
    void aHigherSourceWinsKeyByKey() {
        Function<String, Optional<String>> file = EarlyDatabaseLocation.yaml(Optional.of("data:\n  dir: /srv/marketplace\n"));
        Function<String, Optional<String>> environment = key -> key.equals("data.dir") ? Optional.of("/env/dir") : Optional.empty();
        assertThat(EarlyDatabaseLocation.guess(List.of(file, DEFAULTS))).contains(Path.of("/srv/marketplace"));
        assertThat(EarlyDatabaseLocation.guess(List.of(environment, file, DEFAULTS))).contains(Path.of("/env/dir"));
    }

    @Test
    void anExternalDatabaseAnywhereAboveTheDefaultsMeansNoEmbeddedOne() {
        Function<String, Optional<String>> file = EarlyDatabaseLocation.yaml(Optional.of(
                "db:\n  url: jdbc:postgresql://db:5432/marketplace\n"));
        assertThat(EarlyDatabaseLocation.guess(List.of(file, DEFAULTS))).isEmpty();
        // an empty URL set higher up says embedded again, as the configuration reads it
        Function<String, Optional<String>> override = key -> key.equals("db.url") ? Optional.of("") : Optional.empty();
        assertThat(EarlyDatabaseLocation.guess(List.of(override, file, DEFAULTS))).contains(Path.of("data"));
        assertThat(EarlyDatabaseLocation.guess(Map.of("db.url", "jdbc:postgresql://db:5432/marketplace"))).isEmpty();
    }

    @Test
    void aMissingFileOrKeyFallsThrough() {
        assertThat(EarlyDatabaseLocation.guess(List.of(EarlyDatabaseLocation.yaml(Optional.empty()),
                EarlyDatabaseLocation.yaml(Optional.of("data: plain\n")), DEFAULTS))).contains(Path.of("data"));
    }
}
