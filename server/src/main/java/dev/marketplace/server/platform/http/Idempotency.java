package dev.marketplace.server.platform.http;

import static dev.marketplace.server.platform.http.JsonP.JSON;
import static dev.marketplace.schema.Tables.IDEMPOTENCY_RECORD;

import dev.marketplace.schema.tables.records.IdempotencyRecordRecord;
import dev.marketplace.server.platform.persistence.CommitWatch;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import dev.marketplace.server.platform.persistence.DatabaseFailures;
import dev.marketplace.server.platform.persistence.HeldWrite;
import dev.marketplace.server.platform.persistence.NodeLiveness;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.persistence.UnflushedCommit;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.common.uri.UriPath;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.Deflater;
import java.util.zip.InflaterInputStream;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * {@code Idempotency-Key} for every POST under {@code /v1} but those whose handlers keep the key on their resource
 * (a module's {@code pathsKeepingTheirOwnKeys}, decisions 75 and 90: the filter only checks the key and hands it to
 * the handler as an {@link OwnKey}), kept in PostgreSQL so it survives restarts and
 * works across nodes. Per calling client and key: the same request again replays the first response (status,
 * body, and the headers that matter); a different request with the key is refused (422
 * {@code idempotency_key_reused}); a duplicate while the first is still running gets 409
 * {@code idempotency_request_in_progress}. Keys are kept for {@link #RETENTION}.
 *
 * <p>Only successful (2xx) answers are kept: any other answer changed nothing (bad input changes nothing, by
 * rule), so the key is released and a corrected retry with the same key runs. A request that dies without
 * releasing its key holds it until its lease ends, or only until its node is seen dead ({@link NodeLiveness}: a
 * node killed in the middle of a checkout frees its keys at once, decision 62). Each claim is a fence: the holder's
 * transactions commit only while the key's record still names its claim, so a key taken over from a node wrongly
 * seen dead (or past its lease) is never run twice. Leases and expiry are on PostgreSQL's clock, one for all nodes.
 *
 * <p>Unless its effect committed (decision 50): every transaction the request runs on its thread marks the key's
 * record ({@code committed_at}) just before it commits, inside that transaction and only if it wrote
 * ({@link CommitWatch}). Such a key is never released. An answer other than 2xx after the commit is kept and replayed
 * like a 2xx if it is a 4xx; after a 5xx, or when the answer could not be stored, a resend is refused with 409
 * {@code idempotency_outcome_committed} (with {@code committedAt}): the effect happened, the answer is lost, and the
 * client reads the resource instead of running the request again.
 * The request is fingerprinted (method, path, body) when the handler reads its body ({@link JsonBody}), or
 * up front for a POST without one.
 *
 * <p>Bookkeeping that could not be written for a reason that can pass (the database out of reach, a transient refusal)
 * is tried again in the background ({@link HeldWrite}, once a second until the key's lease would end, counted from
 * the claim), by at most {@code maxPendingBookkeeping} retries at once; beyond that it is dropped, logged and counted
 * ({@code idempotency_bookkeeping_dropped_total}), and its key waits out its lease (decision 72). The gauge
 * {@code idempotency_bookkeeping_pending} says how many retries wait.
 */
public final class Idempotency implements Filter {

    public static final HeaderName HEADER = HeaderNames.create("Idempotency-Key");
    public static final HeaderName REPLAYED = HeaderNames.create("Idempotent-Replayed");
    /** How long a key is kept: a resend within it is answered, not run again (the document says so). */
    public static final Duration RETENTION = Duration.ofHours(24);
    private static final List<HeaderName> KEPT_HEADERS = List.of(HeaderNames.CONTENT_TYPE, HeaderNames.LOCATION,
            HeaderNames.ETAG);

    /** Whether the calling transaction has written (or locked rows): PostgreSQL has given it an id. */
    private static final Condition WROTE = DSL.condition("(SELECT pg_current_xact_id_if_assigned()) IS NOT NULL");

    /** How often the bookkeeping of a finished request is tried again when it could not be written. */
    private static final Duration BOOKKEEPING_RETRY = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(Idempotency.class.getName());

    /** Leases and expiry are set and compared on PostgreSQL's clock, the same for every node (decision 62). */
    private static final Field<OffsetDateTime> DB_NOW = DatabaseClock.now();

    /**
     * A request's key's record while its claim holds it, as parameters: the claim, the mark and the kept answer are
     * sent by every request with a key, rendered once (decision 108).
     */
    private static final Condition OURS = IDEMPOTENCY_RECORD.CLIENT_ID.eq(DSL.param("clientId", String.class))
            .and(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(DSL.param("key", String.class)))
            .and(IDEMPOTENCY_RECORD.CLAIM.eq(DSL.param("claim", UUID.class)));
    private static final RenderedStatement CLAIM = RenderedStatement.of(DSL.insertInto(IDEMPOTENCY_RECORD,
                    IDEMPOTENCY_RECORD.CLIENT_ID, IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY,
                    IDEMPOTENCY_RECORD.REQUEST_FINGERPRINT, IDEMPOTENCY_RECORD.STATE, IDEMPOTENCY_RECORD.LOCKED_UNTIL,
                    IDEMPOTENCY_RECORD.EXPIRES_AT, IDEMPOTENCY_RECORD.HELD_BY_NODE, IDEMPOTENCY_RECORD.CLAIM)
            .select(DSL.select(DSL.param("clientId", IDEMPOTENCY_RECORD.CLIENT_ID.getDataType()),
                            DSL.param("key", IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.getDataType()),
                            DSL.param("fingerprint", IDEMPOTENCY_RECORD.REQUEST_FINGERPRINT.getDataType()),
                            DSL.inline("in_flight", IDEMPOTENCY_RECORD.STATE),
                            DatabaseClock.nowPlus(DSL.param("leaseMillis", Long.class)),
                            DatabaseClock.nowPlus(DSL.param("retentionMillis", Long.class)),
                            DSL.param("node", IDEMPOTENCY_RECORD.HELD_BY_NODE.getDataType()),
                            DSL.param("claim", IDEMPOTENCY_RECORD.CLAIM.getDataType()))
                    .where(UnflushedCommit.ALLOWED))
            .onConflictDoNothing());
    private static final Field<Boolean> MARKED = DSL.field(DSL.exists(DSL.selectOne()
            .from(DSL.table(DSL.name("mark")))));
    private static final Field<Boolean> TRANSACTION_WROTE = DSL.field(WROTE);
    private static final RenderedStatement MARK = RenderedStatement.of(DSL.with("mark").as(DSL.update(IDEMPOTENCY_RECORD)
                    .set(IDEMPOTENCY_RECORD.COMMITTED_AT, DSL.coalesce(IDEMPOTENCY_RECORD.COMMITTED_AT, DB_NOW))
                    .where(OURS, WROTE)
                    .returning(IDEMPOTENCY_RECORD.CLAIM))
            .select(MARKED, TRANSACTION_WROTE));
    private static final RenderedStatement KEEP_ANSWER = RenderedStatement.of(DSL.update(IDEMPOTENCY_RECORD)
            .set(IDEMPOTENCY_RECORD.STATE, DSL.inline("completed"))
            .set(IDEMPOTENCY_RECORD.RESPONSE_STATUS, DSL.param("status", Integer.class))
            .set(IDEMPOTENCY_RECORD.RESPONSE_HEADERS, DSL.param("headers", JSONB.class))
            .set(IDEMPOTENCY_RECORD.RESPONSE_BODY, DSL.param("body", byte[].class))
            .set(IDEMPOTENCY_RECORD.RESPONSE_DEFLATED, DSL.inline(true))
            .where(OURS, UnflushedCommit.ALLOWED));

    private final DSLContext dsl;
    private final NodeLiveness node;
    private final Duration lease;
    private final AtomicLong admitted = new AtomicLong();
    private final AtomicReference<InjectedFault> injected = new AtomicReference<>();
    /** One permit per background retry that may wait at once: under a long outage they would otherwise pile up. */
    private final Semaphore bookkeepingRetries;
    private final int maxPendingBookkeeping;
    private final Counter droppedBookkeeping;
    /** POST paths whose handlers keep the key on their resource (Module#pathsKeepingTheirOwnKeys). */
    private final List<PathMatcher> pathsKeepingTheirOwnKeys;

    /** A failure a test makes happen once, to a request whose effect has committed. */
    public enum Fault {
        /** An exception right after the request's transaction committed (the handler answers 500). */
        AFTER_COMMIT,
        /** The answer cannot be stored (as a pool timeout would make it). */
        STORING_ANSWER
    }

    private record InjectedFault(Fault fault, String path) {
    }

    public Idempotency(DSLContext dsl, NodeLiveness node, Duration lease, int maxPendingBookkeeping,
                       MeterRegistry meters, Collection<String> pathsKeepingTheirOwnKeys) {
        this.dsl = dsl;
        this.pathsKeepingTheirOwnKeys = pathsKeepingTheirOwnKeys.stream().map(PathMatchers::create).toList();
        this.node = node;
        this.lease = lease;
        this.maxPendingBookkeeping = maxPendingBookkeeping;
        this.bookkeepingRetries = new Semaphore(maxPendingBookkeeping);
        this.droppedBookkeeping = meters.getOrCreate(Counter.builder("idempotency.bookkeeping.dropped")
                .description("Idempotency bookkeeping retries dropped because the most allowed were already waiting"));
        meters.getOrCreate(Gauge.builder("idempotency.bookkeeping.pending", bookkeepingRetries,
                        permits -> maxPendingBookkeeping - permits.availablePermits())
                .description("Idempotency bookkeeping writes waiting to be tried again"));
    }

    /** Test hook: makes {@code fault} happen once, to the next POST of {@code path} whose effect commits. */
    public void injectFault(Fault fault, String path) {
        injected.set(new InjectedFault(fault, path));
    }

    private boolean injectedNow(Fault fault, String requestLine) {
        InjectedFault now = injected.get();
        return now != null && now.fault() == fault && requestLine.equals("POST " + now.path())
                && injected.compareAndSet(now, null);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String key = req.headers().first(HEADER).orElse(null);
        String path = req.path().absolute().path();
        if (key == null || req.prologue().method() != Method.POST || !path.startsWith("/v1/")) {
            chain.proceed();
            return;
        }
        if (key.isEmpty() || key.length() > 255) {
            throw ProblemException.validation("Idempotency-Key", FieldError.OUT_OF_RANGE, "must have 1 to 255 characters");
        }
        UriPath absolute = req.path().absolute();
        if (pathsKeepingTheirOwnKeys.stream().anyMatch(keeping -> keeping.match(absolute).accepted())) {
            KeptByHandler kept = new KeptByHandler(key, "POST " + path);
            req.context().register(kept);
            if (!req.content().hasEntity()) {
                kept.body = new byte[0];
            }
            chain.proceed();
            return;
        }
        Principal principal = Authentication.principal(req);
        Gate gate = new Gate(principal.clientId(), key, "POST " + path);
        req.context().register(gate);
        // The answer is held back until its record is stored: a client that retries the moment it has the
        // answer must find it completed (replayed) or released, never still in flight.
        res.streamFilter(out -> new OutputStream() {
            private final ByteArrayOutputStream body = new ByteArrayOutputStream();

            @Override
            public void write(byte[] bytes, int offset, int length) {
                body.write(bytes, offset, length);
            }

            @Override
            public void write(int b) {
                body.write(b);
            }

            @Override
            public void close() throws IOException {
                byte[] answer = body.toByteArray();
                try {
                    gate.finish(res, answer);
                } catch (RuntimeException e) {
                    // Not stored (a pool timeout, say): the answer still goes out, and storing it is tried again
                    // in the background if the failure can pass; until then a resend is told the request is in
                    // progress.
                    LOG.log(System.Logger.Level.WARNING, "could not store the answer for idempotency key " + key, e);
                }
                out.write(answer);
                out.close();
            }
        });
        if (!req.content().hasEntity()) {
            gate.admit(new byte[0]);
        }
        try {
            CommitWatch.watch(gate, chain::proceed);
        } finally {
            if (!res.isSent()) {
                try {
                    gate.finish(null, new byte[0]);
                } catch (RuntimeException e) {
                    // The handler's own outcome (a 409, say) must still reach the client, not this failure (a pool
                    // timeout under overload): the release is tried again in the background if the failure can pass.
                    LOG.log(System.Logger.Level.WARNING, "could not release idempotency key " + key, e);
                }
            }
        }
    }

    /** Called by {@link JsonBody} once the body is read: the point where a retry is told from a new request. */
    static void admit(ServerRequest req, byte[] body) {
        req.context().get(Gate.class).ifPresent(gate -> gate.admit(body));
        req.context().get(KeptByHandler.class).ifPresent(kept -> kept.body = body);
    }

    /**
     * The key of a request whose handler keeps it on its own resource, if it was sent one, with the request's
     * fingerprint as the filter takes it: method, path and the body, once the handler has read it or up front for a
     * request without one. A request with a body its handler does not read has no key, as for the filter.
     */
    public static Optional<OwnKey> ownKey(ServerRequest req) {
        return req.context().get(KeptByHandler.class).filter(kept -> kept.body != null)
                .map(kept -> new OwnKey(kept.key, fingerprint(kept.requestLine, kept.body)));
    }

    /**
     * The {@code Idempotency-Key} of a POST to a path that keeps its own keys, checked as the filter checks any key, for
     * the handler to keep and compare on its resource (decision 90).
     */
    public record OwnKey(String key, byte[] fingerprint) {

        public boolean sameRequest(byte[] otherFingerprint) {
            return Arrays.equals(fingerprint, otherFingerprint);
        }
    }

    /** A key the filter leaves to the request's handler, and the body that handler read (null until then). */
    private static final class KeptByHandler {
        private final String key;
        private final String requestLine;
        private byte[] body;

        KeptByHandler(String key, String requestLine) {
            this.key = key;
            this.requestLine = requestLine;
        }
    }

    /** What a key sent again with another request is answered, here and by the handlers keeping their own keys. */
    public static ProblemException keyReused() {
        return new ProblemException(422, "idempotency_key_reused", "Idempotency Key Reused",
                "This Idempotency-Key was used with a different request; use a new key for a new request.");
    }

    /** The stored first response, sent instead of running the request again. */
    static final class Replay extends RuntimeException {
        private final int status;
        private final JsonObject headers;
        private final byte[] body;

        Replay(int status, JsonObject headers, byte[] body) {
            super(null, null, false, false);
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        void send(ServerResponse res) {
            res.status(Status.create(status));
            headers.forEach((name, value) -> res.header(name, ((jakarta.json.JsonString) value).getString()));
            res.header(REPLAYED, "true");
            res.send(body);
        }
    }

    /** One request's claim on its key. */
    private final class Gate implements CommitWatch.Watcher {
        private final String clientId;
        private final String key;
        private final String requestLine;
        /** This request's claim on the key: its transactions commit only while the record still names it. */
        private final UUID claim = UUID.randomUUID();
        private boolean owned;
        private boolean markedInThisTransaction;
        /** When the key's lease ends at the latest ({@link System#nanoTime()}): taken just before the claim. */
        private long leaseEnds;

        Gate(String clientId, String key, String requestLine) {
            this.clientId = clientId;
            this.key = key;
            this.requestLine = requestLine;
        }

        void admit(byte[] body) {
            if (owned) {
                // Claimed up front (a POST without a body) and read again by the handler: the same request, not a
                // duplicate of itself (it was answered 409 "still running", and every resend again).
                return;
            }
            byte[] fingerprint = fingerprint(requestLine, body);
            if (admitted.incrementAndGet() % 1000 == 0) {
                dsl.deleteFrom(IDEMPOTENCY_RECORD).where(IDEMPOTENCY_RECORD.EXPIRES_AT.lt(DB_NOW)).execute();
            }
            leaseEnds = System.nanoTime() + lease.toNanos();
            // A new key, the usual case, is one statement on its own; only a key seen before needs the transaction.
            if (claimNew(dsl, fingerprint)) {
                owned = true;
                return;
            }
            CommitWatch.unwatched(() -> dsl.transaction(tx -> {
                DSLContext db = tx.dsl();
                if (claimNew(db, fingerprint)) {
                    owned = true;
                    return;
                }
                Field<Boolean> expiredNow = DSL.field(IDEMPOTENCY_RECORD.EXPIRES_AT.lt(DB_NOW));
                // Its holder's lease ran out, or its holder's node died (then at once: it can finish nothing).
                Field<Boolean> holderGone = DSL.field(IDEMPOTENCY_RECORD.LOCKED_UNTIL.lt(DB_NOW)
                        .or(node.isDead(IDEMPOTENCY_RECORD.HELD_BY_NODE)));
                Record found = db.select(IDEMPOTENCY_RECORD.asterisk(), expiredNow, holderGone).from(IDEMPOTENCY_RECORD)
                        .where(IDEMPOTENCY_RECORD.CLIENT_ID.eq(clientId), IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                        .forUpdate().of(IDEMPOTENCY_RECORD).fetchSingle();
                IdempotencyRecordRecord existing = found.into(IDEMPOTENCY_RECORD);
                boolean expired = found.get(expiredNow);
                boolean abandoned = existing.getState().equals("in_flight") && found.get(holderGone);
                if (!expired && !Arrays.equals(existing.getRequestFingerprint(), fingerprint)) {
                    throw keyReused();
                }
                if (!expired && existing.getState().equals("completed")) {
                    throw new Replay(existing.getResponseStatus(),
                            JSON.createReader(new StringReader(existing.getResponseHeaders().data())).readObject(),
                            storedAnswer(existing));
                }
                if (!expired && existing.getCommittedAt() != null) {
                    // The first request's effect committed; it may still be storing its answer.
                    throw abandoned ? ProblemException.outcomeCommitted(existing.getCommittedAt())
                            : ProblemException.requestInProgress();
                }
                if (!expired && !abandoned) {
                    throw ProblemException.requestInProgress();
                }
                db.update(IDEMPOTENCY_RECORD)
                        .set(IDEMPOTENCY_RECORD.REQUEST_FINGERPRINT, fingerprint)
                        .set(IDEMPOTENCY_RECORD.STATE, "in_flight")
                        .set(IDEMPOTENCY_RECORD.LOCKED_UNTIL, DatabaseClock.nowPlus(lease))
                        .set(IDEMPOTENCY_RECORD.EXPIRES_AT, DatabaseClock.nowPlus(RETENTION))
                        .setNull(IDEMPOTENCY_RECORD.RESPONSE_STATUS)
                        .setNull(IDEMPOTENCY_RECORD.RESPONSE_HEADERS)
                        .setNull(IDEMPOTENCY_RECORD.RESPONSE_BODY)
                        .setNull(IDEMPOTENCY_RECORD.COMMITTED_AT)
                        .set(IDEMPOTENCY_RECORD.HELD_BY_NODE, node.number())
                        .set(IDEMPOTENCY_RECORD.CLAIM, claim)
                        .where(IDEMPOTENCY_RECORD.CLIENT_ID.eq(clientId), IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                        .execute();
                owned = true;
            }));
        }

        /**
         * In the request's committing transaction: marks the key's effect as committed if the transaction wrote
         * (PostgreSQL gives a transaction an id only when it writes or locks rows), and refuses the commit of a
         * transaction that wrote after the key was taken over: that request is being run by its new holder.
         * One statement: the mark and whether the transaction wrote.
         */
        @Override
        public void beforeCommit(DSLContext tx) {
            if (!owned) {
                markedInThisTransaction = false;
                return;
            }
            boolean[] outcome = MARK.fetch(tx, binds -> bindOurs(binds), row -> new boolean[] {row.get(MARKED),
                    row.get(TRANSACTION_WROTE)}).getFirst();
            markedInThisTransaction = outcome[0];
            if (!markedInThisTransaction && outcome[1]) {
                owned = false;
                LOG.log(System.Logger.Level.WARNING, "idempotency key " + key + " was taken over while " + requestLine
                        + " ran; its transaction is rolled back");
                throw ProblemException.requestInProgress();
            }
        }

        /** The key's record while this request's claim holds it. */
        private Condition ours() {
            return IDEMPOTENCY_RECORD.CLIENT_ID.eq(clientId).and(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))
                    .and(IDEMPOTENCY_RECORD.CLAIM.eq(claim));
        }

        /** {@link #OURS}'s parameters. */
        private RenderedStatement.Binds bindOurs(RenderedStatement.Binds binds) throws java.sql.SQLException {
            return binds.text("clientId", clientId).text("key", key).uuid("claim", claim);
        }

        @Override
        public void afterCommit() {
            if (markedInThisTransaction && injectedNow(Fault.AFTER_COMMIT, requestLine)) {
                throw new IllegalStateException("fault injected after the commit of " + requestLine);
            }
        }

        /**
         * Inserts the key's record as in flight unless the key has one; returns whether it did. Its commit does not
         * wait for the disk: the request's own durable commit, later in WAL, flushes it (decision 101).
         */
        private boolean claimNew(DSLContext db, byte[] fingerprint) {
            return CLAIM.execute(db, binds -> binds.text("clientId", clientId).text("key", key)
                    .bytes("fingerprint", fingerprint).bigint("leaseMillis", lease.toMillis())
                    .bigint("retentionMillis", RETENTION.toMillis()).integer("node", node.number())
                    .uuid("claim", claim)) == 1;
        }

        /**
         * Keeps the answer for replays, or releases the key when there is nothing worth replaying. When that cannot be
         * written (the pool is full or the database slow, the very moment such bookkeeping matters), it is tried again
         * in the background until the lease would end, so a key is not left held for a minute after its request
         * ended (decision 62); the claim fences each try.
         */
        void finish(ServerResponse sent, byte[] body) {
            if (!owned) {
                return;
            }
            owned = false;
            int status = sent == null ? 500 : sent.status().code();
            JSONB headers = sent == null ? null : keptHeaders(sent);
            if (status / 100 == 2 && injectedNow(Fault.STORING_ANSWER, requestLine)) {
                answerLost();
                throw new IllegalStateException("fault injected while storing the answer to " + requestLine);
            }
            try {
                record(status, headers, body);
            } catch (RuntimeException e) {
                if (DatabaseFailures.mayPassLater(e)) {
                    keepTrying(() -> record(status, headers, body));
                }
                throw e;
            }
        }

        /**
         * The outcome's bookkeeping: release, store, or end the lease of a committed effect whose answer is lost. None
         * waits for the disk (decision 101): the effect's own commit was durable; a crash of PostgreSQL that loses this
         * write leaves the key held until its lease ends, as a request that died, and then answered as such.
         */
        private void record(int status, JSONB headers, byte[] body) {
            if (status / 100 != 2) {
                boolean released = dsl.deleteFrom(IDEMPOTENCY_RECORD)
                        .where(ours(), IDEMPOTENCY_RECORD.COMMITTED_AT.isNull(), UnflushedCommit.ALLOWED)
                        .execute() == 1;
                if (released) {
                    return;
                }
                if (headers == null || status >= 500) { // nothing was sent, or a failure: no answer worth replaying
                    answerLost();
                    return;
                }
            }
            KEEP_ANSWER.execute(dsl, binds -> bindOurs(binds).integer("status", status).jsonb("headers", headers)
                    .bytes("body", deflated(body)));
        }

        private void keepTrying(Runnable bookkeeping) {
            if (!bookkeepingRetries.tryAcquire()) {
                droppedBookkeeping.increment();
                LOG.log(System.Logger.Level.WARNING, "idempotency bookkeeping of key " + key + " dropped: "
                        + maxPendingBookkeeping + " retries wait already; the key is held until its lease ends");
                return;
            }
            Thread.ofVirtual().name("idempotency-bookkeeping").start(() -> {
                try {
                    Thread.sleep(BOOKKEEPING_RETRY);
                    HeldWrite.write("idempotency bookkeeping of key " + key, BOOKKEEPING_RETRY, leaseEnds, bookkeeping);
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException givenUp) {
                    // logged by HeldWrite; the key waits out its lease
                } finally {
                    bookkeepingRetries.release();
                }
            });
        }

        /** Ends the lease of a key whose effect committed without a stored answer: a resend is told at once. */
        private void answerLost() {
            dsl.update(IDEMPOTENCY_RECORD)
                    .set(IDEMPOTENCY_RECORD.LOCKED_UNTIL, DB_NOW)
                    .where(ours(), IDEMPOTENCY_RECORD.STATE.eq("in_flight"), UnflushedCommit.ALLOWED)
                    .execute();
        }

        private JSONB keptHeaders(ServerResponse sent) {
            JsonObjectBuilder headers = JSON.createObjectBuilder();
            for (HeaderName name : KEPT_HEADERS) {
                sent.headers().first(name).ifPresent(value -> headers.add(name.defaultCase(), value));
            }
            return JSONB.jsonb(headers.build().toString());
        }
    }

    /**
     * The answer as it is kept: deflated at the fastest level (V76). A 10,000-item stock update's 4.8 MB answer takes
     * 20 ms to become 0.34 MB; PostgreSQL's own compression of it took 150-200 ms, while the client waited for the store.
     */
    private static byte[] deflated(byte[] answer) {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            deflater.setInput(answer);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(answer.length / 8 + 64);
            byte[] chunk = new byte[Math.min(64 * 1024, answer.length + 64)]; // most answers are a few kB
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** The kept answer's bytes; a record stored before V76 holds them as they were sent. */
    private static byte[] storedAnswer(IdempotencyRecordRecord record) {
        if (!record.getResponseDeflated()) {
            return record.getResponseBody();
        }
        try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(record.getResponseBody()))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] fingerprint(String requestLine, byte[] body) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(requestLine.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) '\n');
            digest.update(body);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
