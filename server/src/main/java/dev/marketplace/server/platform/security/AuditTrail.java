package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.AUDIT_EVENT;

import dev.marketplace.server.platform.http.CanonicalPaths;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.RequestIds;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.persistence.UnflushedCommit;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import dev.marketplace.schema.tables.records.AuditEventRecord;
import io.helidon.webserver.http.ServerRequest;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * An audit log of every write: who (client, principal), what (method, path as sent, resulting status), when, and
 * the request id, for every POST, PUT, PATCH and DELETE, allowed or not, whatever its path: a write refused for a
 * path that is not canonical or not the API's (decision 22) is recorded with the path the client sent.
 *
 * <p>A write refused from memory, which changed nothing and read nothing ({@link #recordInBatch}: a flash sale's
 * refusals after the sell-out, decision 79), is recorded with others in one statement by a writer thread, a moment
 * later (its time is the batch's), instead of one statement each on the request's thread. Should the writer fall {@value #MAX_WAITING} behind,
 * such a refusal is recorded at once like any other write. A clean stop ({@link #close}, after the web server has
 * stopped) writes every line still waiting; a process killed (SIGKILL, an OOM kill) loses the lines waiting then, at
 * most those of the last statement's duration (decision 89).
 */
public final class AuditTrail implements Filter, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AuditTrail.class.getName());
    private static final Set<Method> WRITES = Set.of(Method.POST, Method.PUT, Method.PATCH, Method.DELETE);
    private static final int MAX_WAITING = 10_000;
    private static final int MAX_PER_STATEMENT = 1_000;

    private final DSLContext dsl;
    private final BlockingQueue<AuditEventRecord> waiting = new ArrayBlockingQueue<>(MAX_WAITING);
    private final Thread batchWriter;
    private volatile boolean closed;

    public AuditTrail(DSLContext dsl) {
        this.dsl = dsl;
        this.batchWriter = Thread.ofPlatform().daemon().name("audit-batches").start(this::writeBatches);
    }

    /** Marks a write that changed and read nothing, answered from memory: its audit line may be written in a batch. */
    public static void recordInBatch(ServerRequest req) {
        req.context().register(new InBatch());
    }

    private record InBatch() {
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!WRITES.contains(req.prologue().method())) {
            chain.proceed();
            return;
        }
        int status = 500;
        try {
            chain.proceed();
            // A handler's error is answered inside the chain, so by now the status is final.
            status = res.status().code();
        } catch (ProblemException e) {
            // A later filter's refusal (401, 403, 429) passes through here on its way to the error handlers.
            status = e.status();
            throw e;
        } finally {
            record(req, CanonicalPaths.rawPath(req), status);
        }
    }

    private void record(RoutingRequest req, String path, int status) {
        Optional<Principal> principal = Authentication.principalIfAny(req);
        AuditEventRecord event = new AuditEventRecord();
        event.setRequestId(RequestIds.of(req));
        event.setClientId(principal.map(Principal::clientId).orElse(null));
        event.setPrincipalType(principal.map(p -> p.type().wireName()).orElse(null));
        event.setPrincipalId(principal.map(Principal::id).orElse(null));
        event.setMethod(req.prologue().method().text());
        event.setPath(path);
        event.setStatus(status);
        write(event, req.context().get(InBatch.class).isPresent());
    }

    /** Writes the line at once, or leaves it to the writer thread when it may wait and the writer keeps up. */
    void write(AuditEventRecord event, boolean mayWait) {
        if (mayWait && !closed && waiting.offer(event)) {
            return;
        }
        insert(List.of(event));
    }

    /**
     * One statement for any number of lines (arrays, one text to render and plan), committed without waiting for the
     * disk (decision 101): a crash of PostgreSQL may lose the lines of its last fraction of a second, a killed server
     * nothing it wrote.
     */
    private void insert(List<AuditEventRecord> events) {
        try {
            INSERT.execute(dsl, binds -> binds.texts("requestIds", texts(events, AuditEventRecord::getRequestId))
                    .texts("clientIds", texts(events, AuditEventRecord::getClientId))
                    .texts("principalTypes", texts(events, AuditEventRecord::getPrincipalType))
                    .uuids("principalIds", events.stream().map(AuditEventRecord::getPrincipalId).toList())
                    .texts("methods", texts(events, AuditEventRecord::getMethod))
                    .texts("paths", texts(events, AuditEventRecord::getPath))
                    .integers("statuses", events.stream().map(AuditEventRecord::getStatus).toList()));
        } catch (RuntimeException e) {
            // The write itself is done; losing its audit line must be loud, but not fail the response.
            LOG.log(Level.ERROR, "could not record audit events of requests "
                    + events.stream().map(AuditEventRecord::getRequestId).toList(), e);
        }
    }

    /** The lines as arrays, rendered once (decision 108): every write request sends it. */
    private static final RenderedStatement INSERT = RenderedStatement.of(DSL.insertInto(AUDIT_EVENT,
                    AUDIT_EVENT.REQUEST_ID, AUDIT_EVENT.CLIENT_ID, AUDIT_EVENT.PRINCIPAL_TYPE, AUDIT_EVENT.PRINCIPAL_ID,
                    AUDIT_EVENT.METHOD, AUDIT_EVENT.PATH, AUDIT_EVENT.STATUS)
            .select(DSL.select(lineField("request_id", SQLDataType.CLOB), lineField("client_id", SQLDataType.CLOB),
                            lineField("principal_type", SQLDataType.CLOB), lineField("principal_id", SQLDataType.UUID),
                            lineField("method", SQLDataType.CLOB), lineField("path", SQLDataType.CLOB),
                            lineField("status", SQLDataType.INTEGER))
                    .from(DSL.table("unnest({0}, {1}, {2}, {3}, {4}, {5}, {6}) AS line(request_id, client_id, "
                                    + "principal_type, principal_id, method, path, status)",
                            DSL.param("requestIds", SQLDataType.CLOB.array()),
                            DSL.param("clientIds", SQLDataType.CLOB.array()),
                            DSL.param("principalTypes", SQLDataType.CLOB.array()),
                            DSL.param("principalIds", SQLDataType.UUID.array()),
                            DSL.param("methods", SQLDataType.CLOB.array()), DSL.param("paths", SQLDataType.CLOB.array()),
                            DSL.param("statuses", SQLDataType.INTEGER.array())))
                    .where(UnflushedCommit.ALLOWED)));

    private static List<String> texts(List<AuditEventRecord> events, Function<AuditEventRecord, String> column) {
        return events.stream().map(column).toList();
    }

    private static <T> Field<T> lineField(String column, DataType<T> type) {
        return DSL.field(DSL.name("line", column), type);
    }

    /** Writes the waiting lines as they come, as many as are waiting in each statement. */
    private void writeBatches() {
        while (!closed) {
            try {
                AuditEventRecord first = waiting.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    writeWaitingAfter(first);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void writeWaitingAfter(AuditEventRecord first) {
        List<AuditEventRecord> batch = new ArrayList<>();
        batch.add(first);
        waiting.drainTo(batch, MAX_PER_STATEMENT - 1);
        insert(batch);
    }

    /** Writes the lines still waiting; later ones are written at once. */
    @Override
    public void close() {
        closed = true;
        try {
            batchWriter.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AuditEventRecord next = waiting.poll(); next != null; next = waiting.poll()) {
            writeWaitingAfter(next);
        }
    }
}
