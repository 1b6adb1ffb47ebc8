package dev.marketplace.server.platform.security;

import dev.marketplace.server.platform.http.ProblemException;
import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token-bucket rate limits: per client for authenticated calls (the quota depends on the principal type),
 * per address for unauthenticated ones and, more strictly, for the token endpoint. Every limited response
 * carries the IETF {@code RateLimit-Policy} and {@code RateLimit} headers; an empty bucket is a 429 with
 * {@code Retry-After}.
 *
 * <p>Buckets live in this node's memory: with N nodes behind a load balancer a client gets up to N times its
 * quota. That is deliberate (a database round trip per request would cost more than the protection is worth
 * for these limits); divide the configured quotas by the node count when it matters. See the README.
 */
public final class RateLimits {

    private static final int MAX_BUCKETS = 100_000;

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

    public RateLimits(Map<PrincipalType, Integer> clientPerMinute, int anonymousPerMinute, int tokenEndpointPerMinute) {
        this.clientPolicies = new EnumMap<>(PrincipalType.class);
        clientPerMinute.forEach((type, quota) -> clientPolicies.put(type, new Policy("client", quota)));
        this.anonymous = new Policy("address", anonymousPerMinute);
        this.tokenEndpoint = new Policy("token", tokenEndpointPerMinute);
    }

    /** {@code rate.limits.<operator|merchant|storefront|partner|anonymous|token-endpoint>} requests per minute. */
    public static RateLimits from(Config config) {
        Config limits = config.get("rate.limits");
        Map<PrincipalType, Integer> perClient = new EnumMap<>(PrincipalType.class);
        for (PrincipalType type : PrincipalType.values()) {
            perClient.put(type, limits.get(type.wireName()).asInt().get());
        }
        return new RateLimits(perClient, limits.get("anonymous").asInt().get(), limits.get("token.endpoint").asInt().get());
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
        if (buckets.size() > MAX_BUCKETS) {
            buckets.values().removeIf(Bucket::isFull);
        }
        Bucket bucket = buckets.computeIfAbsent(key + "|" + policy.requestsPerMinute(), ignored -> new Bucket(policy));
        Bucket.Outcome outcome = bucket.take();
        res.header(HeaderNames.create("RateLimit-Policy"), "\"" + policy.name() + "\";q=" + policy.requestsPerMinute() + ";w=60");
        res.header(HeaderNames.create("RateLimit"), "\"" + policy.name() + "\";r=" + outcome.remaining() + ";t=" + outcome.secondsToFull());
        if (!outcome.allowed()) {
            throw ProblemException.rateLimited(outcome.secondsToNext());
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
