package dev.marketplace.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** {@link CursorStore#file(Path)}. */
final class FileCursorStore implements CursorStore {

    private final Path path;

    FileCursorStore(Path path) {
        this.path = path.toAbsolutePath();
    }

    @Override
    public Optional<String> load() throws IOException {
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        String cursor = Files.readString(path, StandardCharsets.UTF_8).strip();
        return cursor.isEmpty() ? Optional.empty() : Optional.of(cursor);
    }

    @Override
    public void save(String cursor) throws IOException {
        Files.createDirectories(path.getParent());
        Path temporary = Files.createTempFile(path.getParent(), path.getFileName().toString(), ".tmp");
        try {
            Files.writeString(temporary, cursor, StandardCharsets.UTF_8);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    @Override
    public void clear() throws IOException {
        Files.deleteIfExists(path);
    }

    @Override
    public String toString() {
        return "FileCursorStore[" + path + "]";
    }
}
