package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.persistence.Directories;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.lucene.store.FSDirectory;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The search index saved on this node's disk, so that a start reads it back and re-reads only the listings that
 * changed since, instead of the whole read model (decision 78). One directory per node ({@code current}: the last
 * saved index, {@code next}: one being written), so the disk holds at most two copies of the index, for moments one.
 *
 * <p>A saved index is used only when it can give the answers a fill would: written by this code's document format
 * ({@link #FORMAT}), against this database schema (the newest migration), and the database knows its token
 * (search_index_snapshot, V68: a database restored from before it, or another one, does not) and has not run 2^31
 * transactions since (32-bit transaction ids, which the documents' versions are, may have wrapped). Anything else —
 * missing, unreadable, damaged (checksums), stale — is logged, deleted, and the index filled from the read model.
 */
final class SearchIndexSnapshots {

    /**
     * What a saved document is made of: the row's fields and how {@link SearchIndex} turns them into a document. Change
     * it with any change to {@code SearchIndex.document} or to what {@link SearchIndex.Row} is read from: a node then
     * ignores indexes saved by older code.
     */
    // 2: versions from listing_search_version (V79, decision 89); 3: the versions saved beside it (decision 127)
    static final String FORMAT = "3";
    private static final String FORMAT_KEY = "format";
    private static final String SCHEMA_KEY = "schema";
    private static final String TOKEN_KEY = "token";
    /** Half of the 32-bit transaction id space: beyond it an id may name another transaction. */
    private static final long WRAPAROUND_MARGIN = 1L << 31;
    private static final System.Logger LOG = System.getLogger(SearchIndexSnapshots.class.getName());

    private final Path current;
    private final Path next;
    private final DSLContext dsl;
    private final String format;
    /** The token of the index now in {@code current}, once read or saved (removed from the database when replaced). */
    private Optional<UUID> savedToken = Optional.empty();

    SearchIndexSnapshots(Path directory, DSLContext dsl) {
        this(directory, dsl, FORMAT);
    }

    /** With another format than the code's: for tests of an older format's snapshot. */
    SearchIndexSnapshots(Path directory, DSLContext dsl, String format) {
        this.current = directory.resolve("current");
        this.next = directory.resolve("next");
        this.dsl = dsl;
        this.format = format;
    }

    /**
     * The index saved in {@code directory}, read into memory with its files' checksums verified, and the versions it
     * holds as saved beside it. Reads only: no database, and nothing deleted, since a start does this beside the database's start, before
     * it holds the data directory's lock (another server may own these files); {@link #usable} decides afterwards.
     */
    static SavedSearchIndex readFiles(Path directory, Consumer<String> partEnded) {
        Path current = directory.resolve("current");
        if (!Files.isDirectory(current)) {
            return new SavedSearchIndex(Optional.empty(), Optional.empty());
        }
        try {
            SearchIndex index = SearchIndex.readFrom(current, partEnded);
            // An index saved by an older format has no versions beside it: usable() turns it down by its format.
            Optional<ListedVersions> versions = Optional.empty();
            if (Files.exists(current.resolve(ListedVersions.FILE))) {
                try (FSDirectory files = FSDirectory.open(current)) {
                    versions = Optional.of(ListedVersions.readFrom(files));
                } catch (IOException | RuntimeException e) {
                    index.close();
                    throw e;
                }
                partEnded.accept("versions read");
            }
            return new SavedSearchIndex(Optional.of(new SavedSearchIndex.Found(index, versions)), Optional.empty());
        } catch (IOException | RuntimeException e) {
            return new SavedSearchIndex(Optional.empty(), Optional.of(e));
        }
    }

    /**
     * The saved index read at the start, when it may be used; otherwise empty, with what was found logged, the index
     * closed and the snapshot deleted.
     */
    synchronized Optional<SavedSearchIndex.Found> usable(SavedSearchIndex saved) {
        deleteQuietly(next); // a save that did not finish
        if (saved.unreadable().isPresent()) {
            LOG.log(Level.WARNING, "the saved search index in " + current + " cannot be read (" + saved.unreadable().get()
                    + "); deleting it and filling the index from the read model");
            discard(Optional.empty()); // without a readable token, there is none to forget
            return Optional.empty();
        }
        if (saved.found().isEmpty()) {
            LOG.log(Level.INFO, "no saved search index in " + current + "; filling it from the read model");
            return Optional.empty();
        }
        SearchIndex index = saved.found().get().index();
        Map<String, String> data = index.savedData();
        Optional<UUID> token = Optional.ofNullable(data.get(TOKEN_KEY)).map(UUID::fromString);
        Optional<String> unusable = unusable(data, token, saved.found().get().versions().isPresent());
        if (unusable.isPresent()) {
            index.close();
            LOG.log(Level.WARNING, "the saved search index in " + current + " is not used: " + unusable.get()
                    + "; deleting it and filling the index from the read model");
            discard(token);
            return Optional.empty();
        }
        savedToken = token;
        return saved.found();
    }

    private Optional<String> unusable(Map<String, String> data, Optional<UUID> token, boolean versionsSaved) {
        if (!format.equals(data.get(FORMAT_KEY))) {
            return Optional.of("saved in document format " + data.get(FORMAT_KEY) + ", this server writes " + format);
        }
        if (!versionsSaved) {
            return Optional.of("its versions file " + ListedVersions.FILE + " is missing");
        }
        String schema = schemaVersion();
        if (!schema.equals(data.get(SCHEMA_KEY))) {
            return Optional.of("saved with database schema " + data.get(SCHEMA_KEY) + ", the database is at " + schema);
        }
        if (token.isEmpty()) {
            return Optional.of("it has no token");
        }
        Optional<Long> transactionsSince = dsl.select(DSL.field(
                        "pg_snapshot_xmin(pg_current_snapshot())::text::bigint - covers_xid::text::bigint", Long.class))
                .from(DSL.table("search_index_snapshot"))
                .where(DSL.field("token", UUID.class).eq(token.get()))
                .fetchOptional(0, Long.class);
        if (transactionsSince.isEmpty()) {
            return Optional.of("the database does not know its token (another database, or restored from before it)");
        }
        if (transactionsSince.get() >= WRAPAROUND_MARGIN) {
            return Optional.of(transactionsSince.get() + " transactions ran since it was saved (ids may have wrapped)");
        }
        return Optional.empty();
    }

    /**
     * Saves the index in place of the last saved one: written to {@code next}, its token recorded in the database,
     * then renamed to {@code current}; the replaced snapshot's token is removed. Any failure leaves the last saved
     * index in place (or none) and is logged: saving is an optimisation of the next start, never a reason to fail.
     */
    synchronized void save(SearchIndex index) {
        long started = System.nanoTime();
        UUID token = UUID.randomUUID();
        try {
            deleteQuietly(next);
            Files.createDirectories(next);
            index.saveTo(next, Map.of(FORMAT_KEY, format, SCHEMA_KEY, schemaVersion(), TOKEN_KEY, token.toString()));
            // The database's next transaction id is above every id of a row version the index was read from.
            dsl.execute("INSERT INTO search_index_snapshot (token, covers_xid) "
                    + "VALUES (?, pg_snapshot_xmax(pg_current_snapshot()))", token);
            deleteQuietly(current);
            Files.move(next, current, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not save the search index to " + current
                    + "; the next start uses the last saved one or fills the index", e);
            deleteQuietly(next);
            return;
        }
        forget(savedToken);
        savedToken = Optional.of(token);
        LOG.log(Level.INFO, "search index saved to " + current + " (" + index.size() + " listings) in "
                + (System.nanoTime() - started) / 1_000_000 + " ms");
    }

    private void discard(Optional<UUID> token) {
        deleteQuietly(current);
        forget(token);
    }

    private void forget(Optional<UUID> token) {
        try {
            token.ifPresent(t -> dsl.execute("DELETE FROM search_index_snapshot WHERE token = ?", t));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not remove an old search index snapshot's token", e);
        }
    }

    /** The newest applied migration: a migration may change what the read model's rows hold. */
    private String schemaVersion() {
        return dsl.fetchValue("SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL "
                + "ORDER BY installed_rank DESC LIMIT 1").toString();
    }

    private static void deleteQuietly(Path directory) {
        try {
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not delete " + directory, e);
        }
    }
}
