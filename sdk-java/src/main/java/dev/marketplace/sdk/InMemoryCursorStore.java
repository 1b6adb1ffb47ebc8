package dev.marketplace.sdk;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** {@link CursorStore#inMemory()}. */
final class InMemoryCursorStore implements CursorStore {

    private final AtomicReference<String> cursor = new AtomicReference<>();

    @Override
    public Optional<String> load() {
        return Optional.ofNullable(cursor.get());
    }

    @Override
    public void save(String cursor) {
        this.cursor.set(cursor);
    }

    @Override
    public void clear() {
        cursor.set(null);
    }
}
