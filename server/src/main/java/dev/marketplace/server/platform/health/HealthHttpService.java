package dev.marketplace.server.platform.health;

import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.persistence.DatabaseFailures;
import dev.marketplace.server.platform.security.AccessTokens;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * {@code /observe/health}, {@code /live} and {@code /ready}: UP (200) or DOWN (503) for anyone, since load
 * balancers and orchestrators probe without credentials; which checks ran and what they saw (free disk, heap,
 * the database) only for a caller presenting the operator's access token, so an anonymous caller learns nothing
 * about the machine. Helidon's health observer can only show details to everyone or to no one.
 */
public final class HealthHttpService implements HttpService {

    public static final String PATH = "/observe/health";

    /** One check's answer as the document shows it to the operator. */
    public record CheckResult(String name, String status, Map<String, Object> data) {
    }

    /** The document: {@code checks} is null (left out) for everyone but the operator. */
    public record Health(String status, List<CheckResult> checks) {
    }

    private final List<HealthCheck> checks;
    private final AccessTokens tokens;

    public HealthHttpService(List<HealthCheck> checks, AccessTokens tokens) {
        this.checks = List.copyOf(checks);
        this.tokens = tokens;
    }

    /** A named check that is up while {@code up} says so. */
    public static HealthCheck check(String name, HealthCheckType type, BooleanSupplier up) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return type;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder().status(up.getAsBoolean()).build();
            }
        };
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> answer(req, res, checks))
                .get("/live", (req, res) -> answer(req, res, ofType(HealthCheckType.LIVENESS)))
                .get("/ready", (req, res) -> answer(req, res, ofType(HealthCheckType.READINESS)));
    }

    private List<HealthCheck> ofType(HealthCheckType type) {
        return checks.stream().filter(check -> check.type() == type).toList();
    }

    private void answer(ServerRequest req, ServerResponse res, List<HealthCheck> selected) {
        Health health = evaluate(selected, isOperator(req));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        JsonResponses.send(res, health.status().equals("UP") ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, health);
    }

    /**
     * The operator sees every check's answer; an anonymous probe gets only UP or DOWN, so its checks stop at the
     * first DOWN in the list's order: a load balancer polling a starting server does not open a database connection
     * per poll while the search index is still filling.
     */
    static Health evaluate(List<HealthCheck> selected, boolean operator) {
        List<CheckResult> results = operator ? selected.stream().map(HealthHttpService::run).toList() : null;
        boolean up = operator
                ? results.stream().allMatch(HealthHttpService::isUp)
                : selected.stream().map(HealthHttpService::run).allMatch(HealthHttpService::isUp);
        return new Health(up ? "UP" : "DOWN", results);
    }

    private static boolean isUp(CheckResult result) {
        return result.status().equals("UP");
    }

    private static CheckResult run(HealthCheck check) {
        HealthCheckResponse response;
        try {
            response = check.call();
        } catch (RuntimeException e) {
            return new CheckResult(check.name(), "DOWN", null);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        response.details().forEach((key, value) -> data.put(key, value instanceof Number || value instanceof Boolean
                ? value : String.valueOf(value)));
        return new CheckResult(check.name(), response.status() == HealthCheckResponse.Status.UP ? "UP" : "DOWN",
                data.isEmpty() ? null : data);
    }

    /** A valid operator token; anything else (none, invalid, another principal) is an anonymous probe, not a 401. */
    private boolean isOperator(ServerRequest req) {
        Optional<String> token = req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).strip());
        if (token.isEmpty()) {
            return false;
        }
        try {
            return tokens.verify(token.get()).isOperator();
        } catch (AccessTokens.InvalidTokenException e) {
            return false;
        } catch (RuntimeException e) {
            // Verifying a token may read the database: the signing keys (re-read every minute) and the revocation
            // lists (every 5 s, for any token). In an outage the probe still gets its Health document, the anonymous
            // one, not a 503 problem (decision 146: neither may be kept stale through an outage).
            if (DatabaseFailures.unreachable(e)) {
                return false;
            }
            throw e;
        }
    }
}
