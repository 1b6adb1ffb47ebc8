package dev.marketplace.server.platform.security;

import dev.marketplace.server.platform.http.ProblemException;
import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.DSLContext;
import org.jooq.Record2;

/**
 * Token-bucket rate limits: per client for authenticated calls (the quota depends on the principal type),
 * per address for unauthenticated ones and, more strictly, for the token endpoint. Every limited response
 * carries the IETF {@code RateLimit-Policy} and {@code RateLimit} headers; an empty bucket is a 429 with
 * {@code Retry-After}.
 *
 * <p>The buckets are shared by every node (decision 51): each one lives in PostgreSQL ({@code rate_limit_bucket}),
 * and a node leases a share of its tokens at a time ({@link #SHARE_DIVISOR}th of the quota, at least one) and spends
 * them in memory, so a request costs no database round trip — one lease per share. The bucket never hands out more
 * than its quota and refill, whichever node asks, so a client's quota holds over the whole cluster; tokens a node
 * leased and did not spend within {@link #LEASE_LIFETIME} lapse (the client gets a little less, never more). A node
 * that cannot reach PostgreSQL falls back to a bucket of its own (the quota per node) until it can again.
 */
public final class RateLimits {

    private static final System.Logger LOG = System.getLogger(RateLimits.class.getName());
    private static final int MAX_BUCKETS = 100_000;
    /** A lease takes this fraction of the quota: 20 leases a minute for a client at its full rate. */
    static final int SHARE_DIVISOR = 20;
    /** Leased tokens not spent within this time lapse, so they do not stay locked up on a node the client left. */
    static final Duration LEASE_LIFETIME = Duration.ofSeconds(3);
    /** How long a request waits for another request's lease before this node's own bucket decides for it. */
    private static final Duration LEASE_WAIT = Duration.ofMillis(200);
    /** Idle local leases are forgotten after this (the shared bucket is full again by then). */
    private static final long IDLE_NANOS = Duration.ofMinutes(2).toNanos();

    /** A quota: {@code requestsPerMinute} requests, refilled evenly over a minute. */
    public record Policy(String name, int requestsPerMinute) {
        double tokensPerNano() {
            return requestsPerMinute / 60e9;
        }
    }

    private final Map<PrincipalType, Policy> clientPolicies;
    private final Policy anonymous;
    private final Policy tokenEndpoint;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    /** Null: this node's buckets only (unit tests). */
    private final DSLContext dsl;
    /** After a failed lease, this node's own buckets decide until then (System.nanoTime). */
    private volatile long sharedRetryAtNanos;
    private volatile boolean sharedFailing;

    public RateLimits(Map<PrincipalType, Integer> clientPerMinute, int anonymousPerMinute, int tokenEndpointPerMinute) {
        this(clientPerMinute, anonymousPerMinute, tokenEndpointPerMinute, null);
    }

    public RateLimits(Map<PrincipalType, Integer> clientPerMinute, int anonymousPerMinute, int tokenEndpointPerMinute,
                      DSLContext dsl) {
        this.dsl = dsl;
        this.clientPolicies = new EnumMap<>(PrincipalType.class);
        clientPerMinute.forEach((type, quota) -> clientPolicies.put(type, new Policy("client", quota)));
        this.anonymous = new Policy("address", anonymousPerMinute);
        this.tokenEndpoint = new Policy("token", tokenEndpointPerMinute);
    }

    /** {@code rate.limits.<operator|merchant|storefront|partner|anonymous|token-endpoint>} requests per minute. */
    public static RateLimits from(Config config, DSLContext dsl) {
        Config limits = config.get("rate.limits");
        Map<PrincipalType, Integer> perClient = new EnumMap<>(PrincipalType.class);
        for (PrincipalType type : PrincipalType.values()) {
            perClient.put(type, limits.get(type.wireName()).asInt().get());
        }
        return new RateLimits(perClient, limits.get("anonymous").asInt().get(), limits.get("token.endpoint").asInt().get(),
                dsl);
    }

    /** Deletes shared buckets untouched for ten minutes: they have refilled, and a new one starts full. */
    public int pruneIdleBuckets() {
        return dsl == null ? 0 : dsl.execute(
                "DELETE FROM rate_limit_bucket WHERE refilled_at < clock_timestamp() - interval '10 minutes'");
    }

    public void charge(Principal principal, ServerResponse res) {
        charge("client:" + principal.clientId(), clientPolicies.get(principal.type()), res);
    }

    public void chargeAnonymous(ServerRequest req, ServerResponse res) {
        charge("address:" + req.remotePeer().host(), anonymous, res);
    }

    public void chargeTokenEndpoint(ServerRequest req, ServerResponse res) {
        charge("token:" + req.remotePeer().host(), tokenEndpoint, res);
    }

    private void charge(String key, Policy policy, ServerResponse res) {
        String bucketKey = key + "|" + policy.requestsPerMinute();
        Bucket.Outcome outcome = dsl == null || sharedFailing && System.nanoTime() - sharedRetryAtNanos < 0 ? null
                : shared(bucketKey, policy);
        if (outcome == null) {
            if (buckets.size() > MAX_BUCKETS) {
                buckets.values().removeIf(Bucket::isFull);
            }
            outcome = buckets.computeIfAbsent(bucketKey, ignored -> new Bucket(policy)).take();
        }
        res.header(HeaderNames.create("RateLimit-Policy"), "\"" + policy.name() + "\";q=" + policy.requestsPerMinute() + ";w=60");
        res.header(HeaderNames.create("RateLimit"), "\"" + policy.name() + "\";r=" + outcome.remaining() + ";t=" + outcome.secondsToFull());
        if (!outcome.allowed()) {
            throw ProblemException.rateLimited(outcome.secondsToNext());
        }
    }

    /** A token from the cluster's bucket (leased in shares); null when PostgreSQL cannot be asked. */
    private Bucket.Outcome shared(String bucketKey, Policy policy) {
        if (leases.size() > MAX_BUCKETS) {
            long now = System.nanoTime();
            leases.values().removeIf(lease -> lease.idleSince(now) > IDLE_NANOS);
        }
        try {
            Bucket.Outcome outcome = leases.computeIfAbsent(bucketKey, ignored -> new Lease(policy)).take(this, bucketKey);
            if (sharedFailing && outcome != null) {
                sharedFailing = false;
                LOG.log(System.Logger.Level.INFO, "the shared rate limit buckets answer again");
            }
            return outcome;
        } catch (RuntimeException e) {
            sharedRetryAtNanos = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            if (!sharedFailing) {
                sharedFailing = true;
                LOG.log(System.Logger.Level.WARNING, "the shared rate limit buckets cannot be leased; this node's own"
                        + " buckets decide (asked again every 5 s): " + e);
            }
            return null;
        }
    }

    /** Up to {@code wanted} whole tokens of the shared bucket: {granted, remaining} in thousandths of a token. */
    private long[] lease(String bucketKey, int quota, long wanted) {
        Record2<Long, Long> leased = dsl.resultQuery("SELECT granted, remaining FROM lease_rate_limit_tokens(?, ?, ?)",
                bucketKey, (long) quota, wanted).coerce(org.jooq.impl.DSL.field("granted", Long.class),
                org.jooq.impl.DSL.field("remaining", Long.class)).fetchOne();
        return new long[] {leased.value1(), leased.value2()};
    }

    /** This node's share of a shared bucket: tokens leased and not yet spent. */
    static final class Lease {
        private final Policy policy;
        private long tokens;
        private long leasedAtNanos;
        private long emptyUntilNanos;
        private long sharedRemainingMilli;
        private long lastUsedNanos = System.nanoTime();
        private boolean leasing;

        Lease(Policy policy) {
            this.policy = policy;
        }

        /**
         * Spends a leased token, leasing a share first when none is left. The lease's database call runs outside this
         * lease's lock, by one request at a time: the others wait for it up to {@link #LEASE_WAIT}, then let this
         * node's own bucket decide (null), so a slow or unreachable database never queues a client's requests.
         */
        Bucket.Outcome take(RateLimits limits, String bucketKey) {
            synchronized (this) {
                long now = System.nanoTime();
                lastUsedNanos = now;
                long waitUntil = now + LEASE_WAIT.toNanos();
                while (true) {
                    if (tokens > 0 && now - leasedAtNanos > LEASE_LIFETIME.toNanos()) {
                        tokens = 0; // lapsed: the client may have moved on to other nodes
                    }
                    if (tokens > 0 || now - emptyUntilNanos < 0) {
                        return spend(now);
                    }
                    if (!leasing) {
                        leasing = true;
                        break;
                    }
                    long left = waitUntil - now;
                    if (left <= 0) {
                        return null;
                    }
                    try {
                        wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return null;
                    }
                    now = System.nanoTime();
                }
            }
            long[] leased = null;
            try {
                leased = limits.lease(bucketKey, policy.requestsPerMinute(),
                        Math.max(1, policy.requestsPerMinute() / SHARE_DIVISOR));
            } finally {
                synchronized (this) {
                    long now = System.nanoTime();
                    if (leased != null) {
                        tokens = leased[0] / 1000;
                        sharedRemainingMilli = leased[1];
                        leasedAtNanos = now;
                        if (tokens == 0) {
                            // Empty everywhere: no need to ask again before the next whole token has refilled.
                            emptyUntilNanos = now + (long) Math.ceil((1000 - sharedRemainingMilli) / 1000.0 / policy.tokensPerNano());
                        }
                    }
                    leasing = false;
                    notifyAll();
                }
            }
            synchronized (this) {
                return spend(System.nanoTime());
            }
        }

        private Bucket.Outcome spend(long now) {
            double rate = policy.tokensPerNano();
            double left = tokens + sharedRemainingMilli / 1000.0;
            long secondsToFull = (long) Math.ceil(Math.max(0, policy.requestsPerMinute() - left) / rate / 1e9);
            if (tokens > 0) {
                tokens--;
                return new Bucket.Outcome(true, (long) Math.floor(left - 1), secondsToFull, 0);
            }
            long secondsToNext = Math.max(1, (long) Math.ceil((emptyUntilNanos - now) / 1e9));
            return new Bucket.Outcome(false, 0, secondsToFull, secondsToNext);
        }

        synchronized long idleSince(long now) {
            return now - lastUsedNanos;
        }
    }

    /** Tokens refill continuously at the policy's rate up to its quota; each request takes one. */
    static final class Bucket {
        record Outcome(boolean allowed, long remaining, long secondsToFull, long secondsToNext) {
        }

        private final Policy policy;
        private double tokens;
        private long refilledAtNanos;

        Bucket(Policy policy) {
            this.policy = policy;
            this.tokens = policy.requestsPerMinute();
            this.refilledAtNanos = System.nanoTime();
        }

        synchronized Outcome take() {
            refill();
            boolean allowed = tokens >= 1;
            if (allowed) {
                tokens -= 1;
            }
            double rate = policy.tokensPerNano();
            long secondsToFull = (long) Math.ceil((policy.requestsPerMinute() - tokens) / rate / 1e9);
            long secondsToNext = Math.max(1, (long) Math.ceil((1 - tokens) / rate / 1e9));
            return new Outcome(allowed, (long) Math.floor(tokens), secondsToFull, secondsToNext);
        }

        synchronized boolean isFull() {
            refill();
            return tokens >= policy.requestsPerMinute();
        }

        private void refill() {
            long now = System.nanoTime();
            tokens = Math.min(policy.requestsPerMinute(), tokens + (now - refilledAtNanos) * policy.tokensPerNano());
            refilledAtNanos = now;
        }
    }
}
