package dev.marketplace.server.testing;

import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.StatementObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * What one request costs PostgreSQL, counted (decision 57): the statements sent and the transactions committed on the
 * request's thread, machine-independent unlike timings. They are seen at the JDBC level on the server's own pooled
 * connections (decision 100), so a statement counts whatever built it: jOOQ, or SQL rendered once and run through
 * JDBC. Background jobs run on other threads and are left out by naming what the request's thread reads.
 */
public final class StatementRecorder {

    /** Something a request runs and the test waits for. */
    public interface Call {
        Object call() throws Exception;
    }

    private final Map<Thread, List<String>> statements = new ConcurrentHashMap<>();
    private final Map<Thread, List<String>> commits = new ConcurrentHashMap<>();
    private final Database database;
    private volatile List<Thread> requestThreads = List.of();
    private volatile boolean recording;

    /** Observes the server's connections until {@link #stop}. */
    public StatementRecorder(TestServer server) {
        database = server.database();
        database.observeStatements(new StatementObserver() {
            @Override
            public void sent(String sql) {
                // The rate limiter leases tokens for many requests at once, whichever request runs out, and the
                // revocation lists are refreshed every few seconds by whichever request comes: not the request's own
                // statements. Nor is the audit line: it is written after the answer has gone, so on a kept-alive
                // connection's thread the previous request's may land among this one's.
                if (recording && !sql.contains("lease_rate_limit_tokens") && !sql.contains("\"revoked_")
                        && !sql.startsWith("insert into \"audit_event\"")) {
                    statements.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>()).add(sql);
                }
            }

            @Override
            public void committed() {
                if (recording) {
                    commits.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>()).add("commit");
                }
            }
        });
    }

    public void stop() {
        database.observeStatements(null);
    }

    /**
     * The statements, during {@code call}, of the threads that sent one containing {@code requestMarker} (the
     * request's: a table only it reads).
     */
    public List<String> recordedDuring(String requestMarker, Call call) throws Exception {
        Map<Thread, List<String>> byThread = record(call);
        requestThreads = byThread.entrySet().stream()
                .filter(entry -> entry.getValue().stream().anyMatch(sql -> sql.contains(requestMarker)))
                .map(Map.Entry::getKey).toList();
        return requestThreads.stream().flatMap(thread -> byThread.get(thread).stream()).collect(Collectors.toList());
    }

    /** Every statement any thread sent during {@code call} (jobs' too: for a request that should send none). */
    public List<String> allDuring(Call call) {
        try {
            return record(call).values().stream().flatMap(List::stream).toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<Thread, List<String>> record(Call call) throws Exception {
        statements.clear();
        commits.clear();
        recording = true;
        try {
            call.call();
        } finally {
            recording = false;
        }
        return Map.copyOf(statements);
    }

    /** The transactions the last recorded request's threads committed. */
    public int commits() {
        return requestThreads.stream().mapToInt(thread -> commits.getOrDefault(thread, List.of()).size()).sum();
    }
}
