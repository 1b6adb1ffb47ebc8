package dev.marketplace.server.platform.outbound;

import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * The platform's one way to call external HTTP services: suppliers, partners, payment providers, webhook receivers.
 * Each is a named {@link OutboundTarget} with its own circuit breaker, retry, timeout and bulkhead, configured under
 * {@code outbound.defaults} and overridden per name under {@code outbound.targets.<name>}; see {@link TargetSettings}.
 *
 * <pre>{@code
 * OutboundHttp outbound = OutboundHttp.create(config.get("outbound"));
 * JsonValue stock = outbound.target("acme-supplier").sendJson(HttpRequest.newBuilder(uri).build());
 * }</pre>
 *
 * <p>Every destination, and every redirect, is checked before connecting: only http(s) to public addresses, unless
 * {@code outbound.allowed-private-networks} lists the block. Not covered: DNS rebinding between the check and the
 * connection, since {@code java.net.http} resolves the name again (docs/decisions/0006-outbound-calls.md).
 *
 * <p>Never call out inside a database transaction: the transaction would keep its connection and locks for as long
 * as the third party takes, retries included, and a rollback cannot take the call back. Commit, call, then record
 * the outcome in a new transaction. Nothing enforces this; it is the caller's part.
 *
 * <p>Create one per server and share it: targets (and their breakers) live as long as it does. A target name is
 * also a configuration key and a metric tag, so use a stable name per destination ({@code acme-supplier},
 * {@code webhook-<subscription-id>}), not per request.
 */
public final class OutboundHttp implements AutoCloseable {

    private static final Pattern TARGET_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private final TargetSettings defaults;
    private final Map<String, TargetSettings> configuredTargets;
    private final DestinationPolicy destinations;
    private final MeterRegistry meters;
    private final Sleeper sleeper;
    private final Clock clock;
    private final Client http = new Client();
    private final ExecutorService exchanges;
    private final Map<String, OutboundTarget> targets = new ConcurrentHashMap<>();

    private OutboundHttp(Builder builder) {
        this.defaults = builder.defaults;
        this.configuredTargets = Map.copyOf(builder.targets);
        this.destinations = DestinationPolicy.allowing(builder.allowedPrivateNetworks);
        this.meters = builder.meters;
        this.sleeper = builder.sleeper;
        this.clock = builder.clock;
        this.exchanges = Executors.newVirtualThreadPerTaskExecutor();
    }

    /**
     * From the {@code outbound} configuration node: {@code defaults}, {@code targets.<name>} and
     * {@code allowed-private-networks} (a list of CIDR blocks). A missing node means the built-in defaults.
     */
    public static OutboundHttp create(Config outboundConfig) {
        TargetSettings defaults = TargetSettings.from(outboundConfig.get("defaults"), TargetSettings.DEFAULTS);
        Builder builder = builder()
                .defaults(defaults)
                .allowedPrivateNetworks(outboundConfig.get("allowed-private-networks").asList(String.class).orElse(List.of()));
        for (Config target : outboundConfig.get("targets").asNodeList().orElse(List.of())) {
            builder.target(target.name(), TargetSettings.from(target, defaults));
        }
        return builder.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The target of this name, created on first use with its configured settings, or the defaults when it has none.
     *
     * @throws IllegalArgumentException when the name is not letters, digits, {@code -} and {@code _}
     */
    public OutboundTarget target(String name) {
        return target(name, true);
    }

    /**
     * Like {@link #target(String)}, but its calls never follow a redirect: a 3xx with a {@code Location} fails the call
     * ({@link OutboundException.Kind#REDIRECT_REFUSED}). For the APIs of partners and suppliers, whose hosts are
     * allowed one by one: a redirect could lead anywhere the SSRF rules allow, off that list.
     *
     * @throws IllegalStateException when the name is already a target that follows redirects
     */
    public OutboundTarget targetRefusingRedirects(String name) {
        return target(name, false);
    }

    private OutboundTarget target(String name, boolean followRedirects) {
        OutboundTarget target = targets.computeIfAbsent(requireTargetName(name), n -> new OutboundTarget(n,
                configuredTargets.getOrDefault(n, defaults), new RedirectFollowingClient(n, http, destinations,
                followRedirects), exchanges, sleeper, clock, meters));
        if (target.followsRedirects() != followRedirects) {
            throw new IllegalStateException("target " + name + " already exists and " + (followRedirects
                    ? "refuses" : "follows") + " redirects");
        }
        return target;
    }

    private static String requireTargetName(String name) {
        if (!TARGET_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a target name is letters, digits, '-' and '_', not " + name);
        }
        return name;
    }

    /** Stops the HTTP client; calls still in flight are abandoned. */
    @Override
    public void close() {
        exchanges.shutdownNow();
        http.close();
    }

    /**
     * The JDK's HTTP client, made at the first call rather than at start: making it sets up TLS (the trusted
     * certificates read), 100-200 ms of CPU beside the start while no call is made then (decision 132). A target makes
     * it before its call's first attempt, so no attempt's time limit counts it.
     */
    static final class Client {
        private HttpClient http;
        private boolean closed;

        synchronized HttpClient get() throws IOException {
            if (closed) {
                throw new IOException("the outbound HTTP client is closed");
            }
            if (http == null) {
                // Redirects are followed by RedirectFollowingClient, which checks each hop. HTTP/1.1 because a
                // cleartext HTTP/2 upgrade attempt is what third-party servers most often get wrong.
                http = HttpClient.newBuilder()
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
            }
            return http;
        }

        private synchronized void close() {
            closed = true;
            if (http != null) {
                http.shutdownNow();
            }
        }
    }

    /** Builds an {@link OutboundHttp} in code; {@link #create(Config)} is the same from configuration. */
    public static final class Builder {
        private TargetSettings defaults = TargetSettings.DEFAULTS;
        private final Map<String, TargetSettings> targets = new LinkedHashMap<>();
        private List<String> allowedPrivateNetworks = List.of();
        private MeterRegistry meters = Metrics.globalRegistry();
        private Sleeper sleeper = Sleeper.THREAD_SLEEP;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Settings of every target that has none of its own. */
        public Builder defaults(TargetSettings defaults) {
            this.defaults = Objects.requireNonNull(defaults);
            return this;
        }

        /** Settings of one target. */
        public Builder target(String name, TargetSettings settings) {
            targets.put(requireTargetName(name), Objects.requireNonNull(settings));
            return this;
        }

        /** CIDR blocks calls may reach although they are not public addresses, e.g. {@code 10.20.0.0/16}. */
        public Builder allowedPrivateNetworks(List<String> cidrBlocks) {
            this.allowedPrivateNetworks = List.copyOf(cidrBlocks);
            return this;
        }

        /** Where the metrics go; the global registry (served at {@code /observe/metrics}) unless set. */
        public Builder meterRegistry(MeterRegistry meters) {
            this.meters = Objects.requireNonNull(meters);
            return this;
        }

        Builder sleeper(Sleeper sleeper) {
            this.sleeper = sleeper;
            return this;
        }

        Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public OutboundHttp build() {
            return new OutboundHttp(this);
        }
    }
}
