package dev.marketplace.server.catalog;

import io.helidon.config.Config;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The search index saved at the last stop as the disk holds it, read without the database so that a start reads it
 * beside the database's own start (decision 105): its files checksummed into memory and the row version of every
 * document read from the file saved beside them. Whether it may be used (its format, schema and token) is decided once the database answers
 * ({@link SearchIndexSnapshots#usable}); until then nothing is served from it.
 */
public final class SavedSearchIndex {

    private final Optional<Found> found;
    private final Optional<Exception> unreadable;

    /**
     * A saved index that could be read: the index and the version of each product it holds, saved beside it (none
     * when an older format saved it).
     */
    record Found(SearchIndex index, Optional<ListedVersions> versions) {
    }

    SavedSearchIndex(Optional<Found> found, Optional<Exception> unreadable) {
        this.found = found;
        this.unreadable = unreadable;
    }

    /**
     * Reads the index saved in this node's snapshot directory (see {@link #directory}), naming each step to
     * {@code partEnded} as it ends (the start-up phase's line).
     */
    public static SavedSearchIndex read(Config catalog, Path dataDirectory, Consumer<String> partEnded) {
        return read(directory(catalog, dataDirectory), partEnded);
    }

    static SavedSearchIndex read(Path directory, Consumer<String> partEnded) {
        return SearchIndexSnapshots.readFiles(directory, partEnded);
    }

    /** {@code catalog.search-index.snapshot-dir}, by default {@code search-index} in the data directory. */
    static Path directory(Config catalog, Path dataDirectory) {
        String configured = catalog.get("search-index.snapshot-dir").asString().get();
        return configured.isBlank() ? dataDirectory.resolve("search-index") : Path.of(configured);
    }

    Optional<Found> found() {
        return found;
    }

    /** Why the saved files could not be read, when they could not. */
    Optional<Exception> unreadable() {
        return unreadable;
    }
}
