package dev.marketplace.bench;

import java.net.URI;
import java.time.Duration;

/**
 * One entry of the benchmark: sets up what it needs through the API (or, for bulk test data, SQL), measures, and
 * reports its figures and targets. New scenarios (checkout, flash sale, pgbench of the checkout SQL) are further
 * implementations added to {@link Bench#SCENARIOS}.
 */
interface Scenario {

    String name();

    Report.Scenario run(Context context) throws Exception;

    /**
     * What a scenario gets: the API, the operator's credentials (to create its own clients), the server's process
     * (CPU, memory), the embedded PostgreSQL's postmaster (its CPU counts as the server's) and the embedded database (only to generate bulk test data faster than the API could), and the server's log (where the default mail sender
     * writes the customers' verification codes).
     */
    record Context(Api api, Api.Credentials operator, long serverPid, long postgresPid, String jdbcUrl, Timing timing,
                   java.nio.file.Path serverLog) {
        URI base() {
            return api.base();
        }

        String operatorToken() {
            return api.token(operator);
        }
    }

    /** Warm-up and measured durations of the load phases ({@code bench.quick} shortens them for a smoke run). */
    record Timing(Duration warmUp, Duration measured) {
    }
}
