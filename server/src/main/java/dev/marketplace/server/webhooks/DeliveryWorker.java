package dev.marketplace.server.webhooks;

import static dev.marketplace.schema.Tables.WEBHOOK_ATTEMPT;

import dev.marketplace.schema.tables.records.WebhookAttemptRecord;
import dev.marketplace.server.platform.crash.CrashPoints;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.outbound.OutboundException;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import dev.marketplace.server.platform.persistence.HeldWrite;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.DSLContext;

/**
 * Sends due deliveries, on every node (job {@value #JOB}). A worker takes endpoints with due deliveries
 * ({@code FOR UPDATE SKIP LOCKED}, then a lease on the endpoint), commits, sends each endpoint's deliveries in order
 * through the endpoint's {@link OutboundTarget} (SSRF rules, timeout, circuit breaker, bulkhead) outside any
 * transaction, and records every outcome and attempt in a new transaction. One worker at a time holds an endpoint,
 * so its messages go one at a time, in order, while it answers 2xx; the first failure ends the batch and that
 * delivery waits for its retry while the next ones go on. A call the endpoint's circuit breaker (or bulkhead) refused
 * reached nobody: it is logged but spends no step of the schedule, and is due again after the schedule's first wait
 * (decision 63). A node killed mid-batch leaves its endpoints busy until
 * the lease ends; the deliveries it did not record are sent again (at least once). A node stopped mid-batch (its
 * jobs interrupted) records what it has and releases the endpoint: the attempt it broke off is no outcome, the next
 * node sends that delivery at once (decision 50).
 *
 * <p>Every wait and due time comes from the injected clock, so tests run the three-day schedule in no time; the
 * signature's timestamp from the node's wall clock, the one receivers compare it with.
 */
final class DeliveryWorker {

    static final String JOB = "webhooks.delivery";
    static final String PAYLOAD_VERSION_HEADER = "webhook-payload-version";
    static final String SEQUENCE_HEADER = "webhook-sequence";
    /** How often outcomes the database could not take are written again while the endpoint is held (decision 72). */
    private static final Duration RECORD_RETRY = Duration.ofMillis(500);

    private final DSLContext dsl;
    private final OutboundHttp outbound;
    private final EndpointRepository endpoints;
    private final DeliveryRepository deliveries;
    private final WebhookSecrets secrets;
    private final WebhookSettings settings;
    private final PartnerAudience partnerAudience;
    private final Clock clock;
    private final Clock wallClock;

    DeliveryWorker(DSLContext dsl, OutboundHttp outbound, EndpointRepository endpoints, DeliveryRepository deliveries,
                   WebhookSecrets secrets, WebhookSettings settings, PartnerAudience partnerAudience, Clock clock,
                   Clock wallClock) {
        this.dsl = dsl;
        this.partnerAudience = partnerAudience;
        this.outbound = outbound;
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.settings = settings;
        this.clock = clock;
        this.wallClock = wallClock;
    }

    /** Sends until nothing is due; how many attempts it made. */
    long run() {
        long attempts = 0;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            while (true) {
                OffsetDateTime now = now();
                List<DeliveryRepository.Claim> claims = dsl.transactionResult(tx -> deliveries.claim(tx.dsl(), now,
                        settings.lease(), settings.endpointsPerClaim(), settings.batch()));
                if (claims.isEmpty()) {
                    return attempts;
                }
                List<Future<Integer>> sent = new ArrayList<>();
                for (DeliveryRepository.Claim claim : claims) {
                    sent.add(senders.submit(() -> send(claim)));
                }
                for (Future<Integer> batch : sent) {
                    attempts += finished(batch);
                }
            }
        }
    }

    private static int finished(Future<Integer> batch) {
        try {
            return batch.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deliveries were sent", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }

    /** What one attempt came to; {@code null} from {@link #attempt} when the node is stopping. */
    private record Outcome(DeliveryRepository.Delivery delivery, OffsetDateTime at, String outcome, Integer status,
                           int latencyMillis, String responseHead) {
        boolean success() {
            return outcome.equals("success");
        }

        /** The endpoint's circuit breaker or bulkhead refused the call: nothing reached the receiver. */
        boolean notSent() {
            return outcome.equals("circuit_open") || outcome.equals("bulkhead_full");
        }
    }

    private int send(DeliveryRepository.Claim claim) {
        long leaseEnds = System.nanoTime() + settings.lease().toNanos(); // at most: the claim was taken just before
        EndpointRepository.SigningSecrets keys = endpoints.signingSecrets(dsl, claim.endpointId(), now());
        List<String> signing = new ArrayList<>();
        signing.add(secrets.open(claim.endpointId(), keys.keyId(), keys.sealed()));
        if (keys.previousSealed() != null) {
            signing.add(secrets.open(claim.endpointId(), keys.previousKeyId(), keys.previousSealed()));
        }
        if (keys.ownerType() == PrincipalType.PARTNER) {
            // A partner verifies with the secret agreed at its registration, or with its endpoint's own.
            partnerAudience.registeredSecret(keys.ownerId()).ifPresent(signing::add);
        }
        OutboundTarget target = outbound.target("webhook-" + claim.endpointId());
        List<Outcome> outcomes = new ArrayList<>();
        for (DeliveryRepository.Delivery delivery : claim.deliveries()) {
            Outcome outcome = attempt(target, claim.url(), delivery, signing);
            if (outcome == null) {
                break; // stopping: the delivery is not counted as tried, and goes to whoever claims the endpoint next
            }
            outcomes.add(outcome);
            if (!outcome.success()) {
                break; // the rest wait for the next claim, so a failing endpoint costs one attempt per turn
            }
        }
        // A stop interrupts this thread; the interrupt would fail the pool's wait and close the connection's socket,
        // leaving the endpoint held for the whole lease. The outcomes and the release are written first.
        boolean interrupted = Thread.interrupted();
        try {
            if (interrupted) {
                dsl.transaction(tx -> record(tx.dsl(), claim, outcomes));
            } else {
                // The messages went out: outcomes not written would have them sent again after the lease with no
                // attempt on record for the first sending (decision 72).
                HeldWrite.write("outcomes of " + outcomes.size() + " webhook attempt(s) to endpoint " + claim.endpointId(),
                        RECORD_RETRY, leaseEnds, () -> dsl.transaction(tx -> record(tx.dsl(), claim, outcomes)));
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return outcomes.size();
    }

    private Outcome attempt(OutboundTarget target, String url, DeliveryRepository.Delivery delivery,
                            List<String> signing) {
        OffsetDateTime at = now();
        byte[] body = delivery.body().getBytes(StandardCharsets.UTF_8);
        String messageId = delivery.eventId().toString();
        Instant signedAt = wallClock.instant().truncatedTo(ChronoUnit.SECONDS);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("User-Agent", "marketplace-webhooks/1")
                .header(StandardWebhooks.ID, messageId)
                .header(StandardWebhooks.TIMESTAMP, Long.toString(signedAt.getEpochSecond()))
                .header(StandardWebhooks.SIGNATURE, WebhookSecrets.signature(messageId, signedAt, body, signing))
                .header(PAYLOAD_VERSION_HEADER, Integer.toString(WebhookMessages.PAYLOAD_VERSION))
                .header(SEQUENCE_HEADER, Long.toString(delivery.sequence()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long started = System.nanoTime();
        try {
            HttpResponse<byte[]> response = target.send(request);
            CrashPoints.reached(CrashPoints.WEBHOOK_SENT);
            int status = response.statusCode();
            return new Outcome(delivery, at, status / 100 == 2 ? "success" : "http_status", status,
                    elapsedMillis(started), head(response.body()));
        } catch (OutboundException failure) {
            if (failure.kind() == OutboundException.Kind.INTERRUPTED) {
                return null;
            }
            return new Outcome(delivery, at, failure.kind().name().toLowerCase(Locale.ROOT),
                    failure.statusCode().isPresent() ? failure.statusCode().getAsInt() : null, elapsedMillis(started),
                    head(failure.getMessage().getBytes(StandardCharsets.UTF_8)));
        }
    }

    private void record(DSLContext db, DeliveryRepository.Claim claim, List<Outcome> outcomes) {
        List<WebhookAttemptRecord> log = new ArrayList<>();
        List<Long> delivered = new ArrayList<>();
        for (Outcome outcome : outcomes) {
            WebhookAttemptRecord attempt = db.newRecord(WEBHOOK_ATTEMPT);
            attempt.setDeliveryId(outcome.delivery().id());
            attempt.setEndpointId(claim.endpointId());
            attempt.setAttemptedAt(outcome.at());
            attempt.setOutcome(outcome.outcome());
            attempt.setStatusCode(outcome.status());
            attempt.setLatencyMs(outcome.latencyMillis());
            attempt.setResponseHead(outcome.responseHead());
            log.add(attempt);
            if (outcome.success()) {
                delivered.add(outcome.delivery().id());
            } else if (outcome.notSent()) {
                // Not an attempt of the schedule: an open breaker (a receiver slow or failing for a moment) would
                // otherwise push every waiting delivery to the schedule's later, long waits and towards disabling.
                deliveries.postpone(db, outcome.delivery().id(), outcome.at().plus(settings.schedule().getFirst()));
            } else if (outcome.status() != null && outcome.status() == 410) {
                deliveries.failed(db, outcome.delivery().id(), outcome.at());
                disable(db, claim, WebhookEndpoint.GONE);
            } else {
                int failed = outcome.delivery().attempts() + 1;
                Optional<Duration> wait = settings.waitAfter(failed, ThreadLocalRandom.current().nextDouble());
                if (wait.isPresent()) {
                    deliveries.retryAt(db, outcome.delivery().id(), outcome.at().plus(wait.get()));
                } else {
                    deliveries.failed(db, outcome.delivery().id(), outcome.at());
                    disable(db, claim, WebhookEndpoint.FAILING);
                }
            }
        }
        deliveries.delivered(db, delivered, outcomes.isEmpty() ? now() : outcomes.getLast().at());
        deliveries.logAttempts(db, log);
        deliveries.release(db, claim.endpointId());
    }

    /** Disables the endpoint and tells its owner, once. */
    private void disable(DSLContext db, DeliveryRepository.Claim claim, String reason) {
        endpoints.disable(db, claim.endpointId(), reason).ifPresent(endpoint -> DomainEvents.append(db, new DomainFact(
                EventType.WEBHOOK_ENDPOINT_DISABLED, "webhook_endpoint_disabled:" + endpoint.id() + ":" + endpoint.version(),
                new Parties(null, null, endpoint.ownerType() == PrincipalType.MERCHANT ? endpoint.ownerId() : null, null),
                JsonP.JSON.createObjectBuilder().add("endpointId", endpoint.id().toString())
                        .add("ownerType", endpoint.ownerType().wireName()).add("ownerId", endpoint.ownerId().toString())
                        .add("reason", reason).add("url", endpoint.url()).build())));
    }

    /** The first bytes of an answer as text: invalid UTF-8 replaced, NUL removed (PostgreSQL text refuses it). */
    private String head(byte[] body) {
        int length = Math.min(body.length, settings.responseHeadBytes());
        try {
            CharBuffer text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(body, 0, length));
            return text.toString().replace("\u0000", "");
        } catch (CharacterCodingException e) {
            return "";
        }
    }

    private static int elapsedMillis(long startedNanos) {
        return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }
}
