package dev.marketplace.sdk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a feed follower keeps its place in a change feed between pages and across restarts. The follower saves a
 * cursor only after its handler has processed the changes before it, so a crash repeats a page rather than
 * skipping one: handlers must tolerate seeing a change twice (each carries its {@code position}).
 */
public interface CursorStore {

    /** The cursor saved last; empty when the feed is to be read from its beginning. */
    Optional<String> load() throws IOException;

    /** Replaces the saved cursor. */
    void save(String cursor) throws IOException;

    /** Forgets the cursor, so that the feed is read again from its beginning (after a resynchronization). */
    void clear() throws IOException;

    /** A cursor kept in memory only: for tests and for processes that resynchronize at every start. */
    static CursorStore inMemory() {
        return new InMemoryCursorStore();
    }

    /**
     * A cursor kept in one file, replaced atomically (written to a temporary file beside it, then moved over it),
     * so that a crash leaves either the old cursor or the new one, never a torn one.
     */
    static CursorStore file(Path path) {
        return new FileCursorStore(path);
    }
}
