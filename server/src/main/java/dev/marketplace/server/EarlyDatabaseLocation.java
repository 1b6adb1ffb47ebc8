package dev.marketplace.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.yaml.snakeyaml.Yaml;

/**
 * Where the embedded database is, read before Helidon's configuration is built (decision 122): {@code db.url} and
 * {@code data.dir} from {@link Main#configuration}'s sources in its order (overrides, system properties, environment
 * variables as {@code DB_URL} / {@code DATA_DIR} or verbatim, the optional file, {@code application.yaml}), and nothing
 * else of them. A guess only: the configuration confirms it (a spelling it reads and this does not makes the guess
 * wrong, and a wrong guess costs a stopped database, never a wrong one).
 */
final class EarlyDatabaseLocation {

    private static final String URL = "db.url";
    private static final String DATA_DIRECTORY = "data.dir";

    private EarlyDatabaseLocation() {
    }

    /** The data directory of the embedded database this process's configuration names; empty for an external one. */
    static Optional<Path> guess(Map<String, String> overrides) {
        List<Function<String, Optional<String>>> sources = List.of(
                key -> Optional.ofNullable(overrides.get(key)),
                key -> Optional.ofNullable(System.getProperty(key)),
                key -> Optional.ofNullable(System.getenv(key.toUpperCase().replace('.', '_')))
                        .or(() -> Optional.ofNullable(System.getenv(key))),
                yaml(readFile(Main.configurationFile())),
                yaml(readClasspath("application.yaml")));
        return guess(sources);
    }

    /** The same over {@code sources}, the first that has a key giving its value. */
    static Optional<Path> guess(List<Function<String, Optional<String>>> sources) {
        Function<String, Optional<String>> value = key -> sources.stream()
                .flatMap(source -> source.apply(key).stream()).findFirst();
        if (value.apply(URL).filter(url -> !url.isBlank()).isPresent()) {
            return Optional.empty();
        }
        return value.apply(DATA_DIRECTORY).map(Path::of);
    }

    /** A YAML document's values by their dotted keys ({@code data: {dir: x}} gives {@code data.dir}). */
    static Function<String, Optional<String>> yaml(Optional<String> document) {
        Object root = document.map(text -> (Object) new Yaml().load(text)).orElse(null);
        return key -> {
            Object node = root;
            for (String part : key.split("\\.")) {
                node = node instanceof Map<?, ?> map ? map.get(part) : null;
            }
            return node == null || node instanceof Map<?, ?> || node instanceof List<?> ? Optional.empty()
                    : Optional.of(node.toString());
        };
    }

    private static Optional<String> readFile(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // the configuration reports an unreadable file; the guess goes without it
        }
    }

    private static Optional<String> readClasspath(String resource) {
        try (InputStream stream = EarlyDatabaseLocation.class.getClassLoader().getResourceAsStream(resource)) {
            return stream == null ? Optional.empty() : Optional.of(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
