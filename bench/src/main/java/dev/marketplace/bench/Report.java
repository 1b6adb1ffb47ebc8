package dev.marketplace.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** The figures of one run: printed as they come, written as JSON at the end (format in decision 15). */
final class Report {

    /**
     * Latency in milliseconds: from when a request was due (open loop) or sent (closed loop) to its last byte.
     * Null when no measured request was answered at all.
     */
    record Latency(double p50, double p90, double p99, double max) {
        static Latency of(Histogram micros) {
            if (micros.getTotalCount() == 0) {
                return null;
            }
            return new Latency(ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                    ms(micros.getValueAtPercentile(99)), ms(micros.getMaxValue()));
        }

        private static double ms(long micros) {
            return Math.round(micros / 10.0) / 100.0;
        }
    }

    /**
     * One load phase. {@code intendedRate} 0 means closed loop. {@code throughput} counts successful answers per
     * second; {@code unsent} are requests of an open-loop schedule the generator gave up on (server too slow).
     * {@code answeredInWarmUp}: answers to warm-up requests, which are all a server far slower than the rate gets to.
     * {@code unavailableWithoutRetryAfter}: 503 answers that did not say when to come back (shedding must, decision 69).
     * {@code retriedAfter503}: 503 answers with Retry-After whose request was sent again after it, as a client's app
     * would (decision 83); they are not among the errors, the answer to the request sent again is. The latency is each
     * answer's, from when its sending was due.
     */
    record Load(int connections, double intendedRate, double seconds, long ok, long httpErrors,
                Map<Integer, Long> httpErrorsByStatus, long ioErrors, long unsent, long answeredInWarmUp,
                long unavailableWithoutRetryAfter, long retriedAfter503, double throughput, Latency latencyMs) {
        static Load of(int connections, double intendedRate, double seconds, long ok,
                       Map<Integer, Long> httpErrorsByStatus, long ioErrors, long unsent, long answeredInWarmUp,
                       long unavailableWithoutRetryAfter, long retriedAfter503, Histogram latencyMicros) {
            long httpErrors = httpErrorsByStatus.values().stream().mapToLong(Long::longValue).sum();
            return new Load(connections, intendedRate, round(seconds), ok, httpErrors,
                    new TreeMap<>(httpErrorsByStatus), ioErrors, unsent, answeredInWarmUp,
                    unavailableWithoutRetryAfter, retriedAfter503, round(ok / seconds), Latency.of(latencyMicros));
        }

        long errors() {
            return httpErrors + ioErrors + unsent;
        }

        /** Whether the p99 was below the bound with every request answered successfully. */
        boolean p99Below(double millis) {
            return latencyMs != null && latencyMs.p99() < millis && errors() == 0;
        }

        String describeP99() {
            return String.format(Locale.ROOT, "p99 %s at %.0f req/s (%d errors: %d HTTP%s, %d I/O, %d unsent)",
                    latencyMs == null ? "n/a" : String.format(Locale.ROOT, "%.2f ms", latencyMs.p99()),
                    throughput, errors(), httpErrors, httpErrorsByStatus.isEmpty() ? "" : " " + httpErrorsByStatus,
                    ioErrors, unsent);
        }
    }

    /** Shares of the machine's CPU capacity (all cores) used during a phase, and the load average at its end. */
    record CpuShares(double server, double loadGenerator, double otherProcesses, double loadAverage1m) {
    }

    /** One target of the issue against what was measured. {@code met} is null when it could not be measured. */
    record Check(String target, String measured, Boolean met) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Scenario(String name, String status, String note, Map<String, Object> figures, List<Check> checks) {
    }

    private final List<Scenario> scenarios = new ArrayList<>();
    private final Map<String, Object> environment = new LinkedHashMap<>();

    void environment(String key, Object value) {
        environment.put(key, value);
    }

    void add(Scenario scenario) {
        scenarios.add(scenario);
        System.out.printf(Locale.ROOT, "%n== %s (%s)%s%n", scenario.name(), scenario.status(),
                scenario.note() == null ? "" : ": " + scenario.note());
        scenario.figures().forEach((key, value) -> System.out.printf(Locale.ROOT, "   %-28s %s%n", key, value));
        scenario.checks().forEach(check -> System.out.printf(Locale.ROOT, "   [%s] %s — measured %s%n",
                check.met() == null ? "  ?  " : check.met() ? " met " : "MISSED", check.target(), check.measured()));
    }

    /** Writes {@code results.json} and {@code comparison.md} into the directory; returns the JSON file. */
    Path write(Path directory) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("finishedAt", Instant.now().toString());
        document.put("environment", environment);
        document.put("scenarios", scenarios);
        StringBuilder comparison = new StringBuilder("| scenario | target | measured | met |\n|---|---|---|---|\n");
        for (Scenario scenario : scenarios) {
            if (scenario.checks().isEmpty()) {
                comparison.append("| ").append(scenario.name()).append(" | — | ").append(scenario.status())
                        .append(scenario.note() == null ? "" : ": " + scenario.note()).append(' ')
                        .append(scenario.figures()).append(" | — |\n");
            }
            for (Check check : scenario.checks()) {
                comparison.append("| ").append(scenario.name()).append(" | ").append(check.target()).append(" | ")
                        .append(check.measured()).append(" | ")
                        .append(check.met() == null ? "not measured" : check.met() ? "yes" : "**no**").append(" |\n");
            }
        }
        comparison.append("\nEnvironment: ").append(environment).append('\n');
        try {
            Files.createDirectories(directory);
            Path json = directory.resolve("results.json");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), document);
            Files.writeString(directory.resolve("comparison.md"), comparison);
            System.out.printf("%n%s%n", comparison);
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
