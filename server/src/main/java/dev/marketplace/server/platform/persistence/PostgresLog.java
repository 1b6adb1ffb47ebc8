package dev.marketplace.server.platform.persistence;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * PostgreSQL's own log, written by its logging collector into {@code log/} of its data directory (one file per
 * weekday, so a week is kept), where it outlives the server process whose output PostgreSQL started on.
 */
final class PostgresLog {

    static final String DIRECTORY = "log";
    /** The start-up lines are at the end of the file; a day's log can be large. */
    private static final int TAIL_BYTES = 64 * 1024;
    private static final long READY_WAIT_NANOS = 2_000_000_000L;

    private PostgresLog() {
    }

    /**
     * What PostgreSQL said about its latest start, from "starting PostgreSQL" to "ready to accept connections" (after a
     * crash: what it found and how it recovered from its write-ahead log): its LOG and WARNING lines, not the FATAL
     * refusals of the readiness probes while it started. The collector writes asynchronously, so the last lines are
     * waited for a moment.
     */
    static List<String> latestStart(Path postgresFiles) throws IOException {
        long deadline = System.nanoTime() + READY_WAIT_NANOS;
        List<String> lines = latestStartSoFar(postgresFiles);
        while (lines.stream().noneMatch(line -> line.contains("ready to accept connections")) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            lines = latestStartSoFar(postgresFiles);
        }
        return lines;
    }

    private static List<String> latestStartSoFar(Path postgresFiles) throws IOException {
        Optional<Path> current = currentFile(postgresFiles);
        if (current.isEmpty()) {
            return List.of();
        }
        List<String> lines = tail(current.get()).lines().toList();
        int start = lines.size() - 1;
        while (start > 0 && !lines.get(start).contains("starting PostgreSQL")) {
            start--;
        }
        return lines.subList(Math.max(start, 0), lines.size()).stream()
                .filter(line -> line.contains(" LOG:  ") || line.contains(" WARNING:  "))
                .toList();
    }

    /** PostgreSQL names the file it writes in {@code current_logfiles}: {@code stderr log/postgresql-Sat.log}. */
    private static Optional<Path> currentFile(Path postgresFiles) throws IOException {
        Path names = postgresFiles.resolve("current_logfiles");
        if (!Files.exists(names)) {
            return Optional.empty();
        }
        return Files.readAllLines(names).stream()
                .filter(line -> line.startsWith("stderr "))
                .map(line -> postgresFiles.resolve(line.substring("stderr ".length())))
                .findFirst();
    }

    private static String tail(Path file) throws IOException {
        try (RandomAccessFile log = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(0, log.length() - TAIL_BYTES);
            byte[] bytes = new byte[(int) (log.length() - from)];
            log.seek(from);
            log.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
