package dev.marketplace.server.dropship;

import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the connector of a connection: its kind's SPI implementation over the connection's own outbound target
 * ({@code dropship-<connection id>}: its own breaker, so one failing supplier never trips another's, and failover
 * can ask whether a connection's breaker is open). Tokens of REST connections are kept per connection on this node.
 */
public final class Connectors {

    private final OutboundHttp outbound;
    private final SimulatedSupplier simulated;
    private final Clock clock;
    private final Map<UUID, RestSupplierConnector.Tokens> tokens = new ConcurrentHashMap<>();

    Connectors(OutboundHttp outbound, SimulatedSupplier simulated, Clock clock) {
        this.outbound = outbound;
        this.simulated = simulated;
        this.clock = clock;
    }

    SupplierConnector of(Connection connection, Credentials credentials, CallQuota quota) {
        return switch (connection.kind()) {
            case SIMULATED -> simulated;
            case REST -> new RestSupplierConnector(target(connection.id()), URI.create(connection.baseUrl().orElseThrow()),
                    credentials.apiKey(), tokens.computeIfAbsent(connection.id(), id -> new RestSupplierConnector.Tokens()),
                    quota, clock);
            case FEED -> new FeedSupplierConnector(target(connection.id()), URI.create(connection.baseUrl().orElseThrow()),
                    credentials.apiKey(), quota);
        };
    }

    /** Whether calls to the connection's supplier are refused now by its open circuit breaker (decision 39). */
    boolean unhealthy(Connection connection) {
        if (connection.kind() == ConnectorKind.SIMULATED) {
            return false;
        }
        CircuitBreaker.State state = target(connection.id()).circuitState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

    /**
     * Whether the connection's breaker is closed: stock follows a primary back only once its trial calls after an
     * outage closed the breaker, not while it is half-open (decision 64).
     */
    boolean healthy(Connection connection) {
        return connection.kind() == ConnectorKind.SIMULATED
                || target(connection.id()).circuitState() == CircuitBreaker.State.CLOSED;
    }

    private OutboundTarget target(UUID connectionId) {
        return outbound.targetRefusingRedirects("dropship-" + connectionId);
    }

    /** The built-in supplier, for the demo and tests that act on the supplier's side. */
    public SimulatedSupplier simulated() {
        return simulated;
    }
}
