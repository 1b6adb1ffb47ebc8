package dev.marketplace.server.catalog;

import io.helidon.config.Config;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The search index saved at the last stop as the disk holds it, read without the database so that a start reads it
 * beside the database's own start (decision 105): its files checksummed into memory and the row version of every
 * document listed. Whether it may be used (its format, schema and token) is decided once the database answers
 * ({@link SearchIndexSnapshots#usable}); until then nothing is served from it.
 */
public final class SavedSearchIndex {

    private final Optional<Found> found;
    private final Optional<Exception> unreadable;

    /** A saved index that could be read: the index and the version of each product it holds. */
    record Found(SearchIndex index, Map<UUID, Long> versions) {
    }

    SavedSearchIndex(Optional<Found> found, Optional<Exception> unreadable) {
        this.found = found;
        this.unreadable = unreadable;
    }

    /** Reads the index saved in this node's snapshot directory (see {@link #directory}). */
    public static SavedSearchIndex read(Config catalog, Path dataDirectory) {
        return read(directory(catalog, dataDirectory));
    }

    static SavedSearchIndex read(Path directory) {
        return SearchIndexSnapshots.readFiles(directory);
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
