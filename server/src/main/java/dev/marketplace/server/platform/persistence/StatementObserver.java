package dev.marketplace.server.platform.persistence;

/**
 * Sees what the jOOQ context's connections send to PostgreSQL, at the JDBC level (decision 100): every statement
 * executed on them whatever built it (jOOQ, SQL rendered once and run through JDBC, a driver-level batch), on the
 * thread that sent it, and every commit. The test harness counts a request's statements with it; production sets
 * none, and then a connection's statements are the driver's own, not wrapped.
 */
public interface StatementObserver {

    /** {@code sql} was executed (a batch once, its statements joined by {@code ";\n"}). */
    void sent(String sql);

    /** A transaction was committed. */
    void committed();
}
