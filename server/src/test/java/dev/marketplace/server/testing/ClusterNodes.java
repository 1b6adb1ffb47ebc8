package dev.marketplace.server.testing;

import dev.marketplace.sdk.DecoratingHttpClientBuilder;
import dev.marketplace.sdk.DelegatingHttpClient;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.server.platform.crash.CrashPoints;
import dev.marketplace.server.platform.persistence.OneConnectionPerThread;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Several server nodes on one PostgreSQL, each the real server jar in a JVM of its own (so that one can be killed
 * with SIGKILL), with a round-robin client in front (issue 21). The database is the test JVM's ({@link
 * TestDatabases}), given to every node as {@code db.url}; the nodes share the test keys of {@link TestServer}, so a
 * token of one is good on all. Small heaps, C1 only and no demo data keep them light and quick to start.
 *
 * <p>Crash points ({@link CrashPoints}) are armed by {@link #arm}: the first node to reach the point halts; {@link
 * #awaitCrash} finds which, {@link #restart} starts it again on the same settings.
 *
 * <p>The bench harness starts the server jar its own way ({@code bench/.../ServerProcess}): sharing it would make the
 * server's tests depend on the bench module (built only with {@code -Pbench}, after the server) or the bench on the
 * server's test classes; the common part is a {@code ProcessBuilder} and a wait for the ready line (decision 65).
 */
public final class ClusterNodes implements AutoCloseable {

    /** Built by {@code package}, before failsafe runs. */
    private static final Path SERVER_JAR = Path.of("target", "marketplace-server.jar");
    private static final Duration START = Duration.ofSeconds(120);
    private static final Pattern READY = Pattern.compile("Marketplace API ready in \\d+ ms, listening on .*?: http://\\S+:(\\d+) ");

    /** One node: its process (while it runs), its log, its collector's log ({@code -Xlog:gc}) and its address. */
    public record Node(int index, Process process, Path log, Path gcLog, URI baseUri) {
        public boolean isAlive() {
            return process.isAlive();
        }

        public String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final HttpClient DIRECT = ValidatingHttpClient.create();

    private final String databaseUrl;
    private final Map<String, String> settings;
    private final Path directory;
    private final Path crashDirectory;
    private final Node[] nodes;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger starts = new AtomicInteger();

    private ClusterNodes(int count, String databaseUrl, Map<String, String> settings) throws IOException {
        this.databaseUrl = databaseUrl;
        this.settings = settings;
        this.directory = Files.createTempDirectory("marketplace-cluster");
        this.crashDirectory = Files.createDirectories(directory.resolve("crash-points"));
        this.nodes = new Node[count];
    }

    /**
     * Starts {@code count} nodes at once on the database at {@code databaseUrl} with {@code settings} (configuration
     * keys, given as system properties) on top of the test defaults, and waits until all are ready.
     */
    public static ClusterNodes start(int count, String databaseUrl, Map<String, String> settings) {
        try {
            ClusterNodes cluster = new ClusterNodes(count, databaseUrl, settings);
            List<CompletableFuture<Void>> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                started.add(CompletableFuture.runAsync(() -> cluster.startNode(index)));
            }
            try {
                started.forEach(CompletableFuture::join);
            } catch (RuntimeException e) {
                try {
                    cluster.close();
                } catch (AssertionError refusedNestedConnections) {
                    e.addSuppressed(refusedNestedConnections);
                }
                throw e;
            }
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int size() {
        return nodes.length;
    }

    public synchronized Node node(int index) {
        return nodes[index];
    }

    public URI uri(int index) {
        return node(index).baseUri();
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    /** SIGKILL: the node ends at once, as by an OOM kill or {@code kill -9}. */
    public void kill(int index) {
        Process process = node(index).process();
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the (dead or killed) node again on the same settings, once it is ready (another port). */
    public Node restart(int index) {
        if (node(index).isAlive()) {
            kill(index);
        }
        return startNode(index);
    }

    /** Arms a crash point: the first node to reach it halts. */
    public void arm(String point) {
        try {
            Files.writeString(crashDirectory.resolve(point), point);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether an armed point is still waiting for a node to reach it. */
    public boolean isArmed(String point) {
        return Files.exists(crashDirectory.resolve(point));
    }

    /** Waits for the node that reached {@code point} to end and returns its index; it says so in its log. */
    public int awaitCrash(String point, Duration timeout) {
        int[] crashed = {-1};
        Await.until(timeout, "a node crashed at " + point, () -> {
            for (int i = 0; i < nodes.length; i++) {
                Node node = node(i);
                if (!node.isAlive() && node.output().contains("crash point " + point + " reached")) {
                    crashed[0] = i;
                    return true;
                }
            }
            return false;
        });
        return crashed[0];
    }

    /** An SDK client acting as the operator (client credentials), its requests spread over the nodes. */
    public MarketplaceClient operator() {
        return withCredentials(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
    }

    /**
     * An SDK client signing in with client credentials (a new token when the last expires, so it outlasts a token's
     * lifetime), its requests spread over the nodes.
     */
    public MarketplaceClient withCredentials(String clientId, String secret) {
        return MarketplaceClient.builder().baseUri(uri(0)).httpClientBuilder(roundRobin()).clientCredentials(clientId, secret)
                .build();
    }

    /** An SDK client sending {@code token}, its requests spread over the nodes. */
    public MarketplaceClient withToken(String token) {
        return MarketplaceClient.builder().baseUri(uri(0)).httpClientBuilder(roundRobin()).accessToken(token).build();
    }

    /** An SDK client sending {@code token} to one node only. */
    public MarketplaceClient withToken(String token, int index) {
        return TestServer.clientWithToken(uri(index), token);
    }

    /** A token from the token endpoint (client credentials), asked of the first node that answers. */
    public String token(String clientId, String secret, String... scopes) {
        return TestServer.token(uri(liveIndex()), clientId, secret, scopes);
    }

    /**
     * A transport for the SDK that sends each request to the next node in turn (a round-robin load balancer) and,
     * like a load balancer's health check, skips a node that refuses connections; every answer is validated
     * against the contract.
     */
    public HttpClient.Builder roundRobin() {
        return new DecoratingHttpClientBuilder(ValidatingHttpClient.builder(), RoundRobin::new);
    }

    /** Sends a raw request to the next node in turn (validated against the contract). */
    public HttpResponse<String> send(HttpRequest request) {
        try (HttpClient http = new RoundRobin(ValidatingHttpClient.create())) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a raw request as addressed (validated against the contract). */
    public static HttpResponse<String> sendDirect(HttpRequest request) {
        try {
            return DIRECT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int liveIndex() {
        for (int attempt = 0; attempt < nodes.length; attempt++) {
            int index = Math.floorMod(next.getAndIncrement(), nodes.length);
            if (node(index).isAlive()) {
                return index;
            }
        }
        throw new IllegalStateException("no node runs");
    }

    private final class RoundRobin extends DelegatingHttpClient {
        RoundRobin(HttpClient delegate) {
            super(delegate);
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
                throws IOException, InterruptedException {
            ConnectException refused = null;
            for (int attempt = 0; attempt < nodes.length; attempt++) {
                URI node = uri(liveIndex());
                URI original = request.uri();
                URI target = URI.create(node.getScheme() + "://" + node.getRawAuthority() + original.getRawPath()
                        + (original.getRawQuery() == null ? "" : "?" + original.getRawQuery()));
                try {
                    return delegate.send(HttpRequest.newBuilder(request, (name, value) -> true).uri(target).build(), handler);
                } catch (ConnectException e) {
                    refused = e; // nothing was sent: another node may take it
                }
            }
            throw refused;
        }
    }

    /** {@code OneConnectionPerThread}'s switch, which the build sets for the integration tests. */
    private static final String ONE_CONNECTION_PER_THREAD = "marketplace.test.one-connection-per-thread";

    private Node startNode(int index) {
        int start = starts.incrementAndGet();
        Path log = directory.resolve("node-" + index + "-" + start + ".log");
        Path gcLog = directory.resolve("node-" + index + "-" + start + "-gc.log");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                // small and quick: C1 only, a serial collector, a bounded heap
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xss512k",
                // every collection and the heap it left, for the soak's memory figures
                "-Xlog:gc:file=" + gcLog,
                "-D" + CrashPoints.PROPERTY + "=" + crashDirectory,
                // the nodes take pooled connections as the tests' own servers do: one at a time per thread (decision 81)
                "-D" + ONE_CONNECTION_PER_THREAD + "=" + Boolean.getBoolean(ONE_CONNECTION_PER_THREAD)));
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("server.host", "127.0.0.1");
        properties.put("db.url", databaseUrl);
        properties.put("db.pool.size", "6");
        // A loaded test machine can take more than the default 5 s to open a connection at start-up; 10 s is the
        // most a node waits before it finds the database down during an outage (decision 50), so a cut is seen as
        // one within seconds by every cluster test (decision 72; the soak's 10-minute runs passed with it).
        properties.put("db.connection.timeout", "PT10S");
        properties.put("data.dir", directory.resolve("data-" + index).toString());
        properties.put("security.encryption.key", TestServer.KEY_ENCRYPTION_KEY);
        properties.put("security.issuer", TestServer.ISSUER);
        properties.put("security.audience", TestServer.AUDIENCE);
        properties.put("security.operator.client.id", TestServer.OPERATOR_CLIENT_ID);
        properties.put("security.operator.client.secret", TestServer.OPERATOR_CLIENT_SECRET);
        properties.put("rate.limits.operator", "1000000");
        properties.put("rate.limits.merchant", "1000000");
        properties.put("rate.limits.storefront", "1000000");
        properties.put("rate.limits.partner", "1000000");
        properties.put("rate.limits.anonymous", "1000000");
        properties.put("rate.limits.token.endpoint", "1000000");
        properties.put("catalog.listings.cached-listing-bytes", "4194304");
        properties.put("catalog.listings.cached-page-bytes", "2097152");
        properties.putAll(settings);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", SERVER_JAR.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(key -> key.startsWith("DB_") || key.startsWith("SECURITY_")
                || key.startsWith("SERVER_") || key.startsWith("RATE_") || key.startsWith("DATA_"));
        environment.put("MARKETPLACE_CONFIG", directory.resolve("no-such-file.yaml").toString());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Node starting = new Node(index, process, log, gcLog, null);
        Await.until(START, "node " + index + " is ready", () -> {
            if (!process.isAlive()) {
                throw new AssertionError("node " + index + " ended with " + process.exitValue() + ":\n" + starting.output());
            }
            return READY.matcher(starting.output()).find();
        });
        Matcher ready = READY.matcher(starting.output());
        if (!ready.find()) {
            throw new IllegalStateException("node " + index + " did not say where it listens");
        }
        Node node = new Node(index, process, log, gcLog, URI.create("http://127.0.0.1:" + ready.group(1)));
        synchronized (this) {
            nodes[index] = node;
        }
        return node;
    }

    /**
     * Stops every node (a clean shutdown, SIGTERM), then fails if any node, in any of its runs, refused a thread a
     * second pooled connection (decision 81): in a request that fails its test, but in a background job only the log
     * tells (decision 89).
     */
    @Override
    public void close() {
        for (Node node : nodes) {
            if (node != null) {
                node.process().destroy();
            }
        }
        for (Node node : nodes) {
            if (node != null) {
                try {
                    node.process().waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        failOnNestedConnections();
    }

    private void failOnNestedConnections() {
        try (var logs = Files.list(directory)) {
            for (Path log : logs.filter(path -> path.getFileName().toString().matches("node-\\d+-\\d+\\.log")).sorted()
                    .toList()) {
                String output = Files.readString(log);
                int refusal = output.indexOf(OneConnectionPerThread.REFUSAL_LOG_MESSAGE);
                if (refusal >= 0) {
                    throw new AssertionError(log.getFileName() + " refused a thread a second pooled connection "
                            + "(decision 81):\n" + output.substring(refusal, Math.min(output.length(), refusal + 4000)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
