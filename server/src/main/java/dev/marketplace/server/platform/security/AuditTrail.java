package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.AUDIT_EVENT;

import dev.marketplace.server.platform.http.CanonicalPaths;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.RequestIds;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.Set;
import org.jooq.DSLContext;

/**
 * An audit log of every write: who (client, principal), what (method, path as sent, resulting status), when, and
 * the request id, for every POST, PUT, PATCH and DELETE, allowed or not, whatever its path: a write refused for a
 * path that is not canonical or not the API's (decision 22) is recorded with the path the client sent.
 */
public final class AuditTrail implements Filter {

    private static final System.Logger LOG = System.getLogger(AuditTrail.class.getName());
    private static final Set<Method> WRITES = Set.of(Method.POST, Method.PUT, Method.PATCH, Method.DELETE);

    private final DSLContext dsl;

    public AuditTrail(DSLContext dsl) {
        this.dsl = dsl;
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
        try {
            dsl.insertInto(AUDIT_EVENT)
                    .set(AUDIT_EVENT.REQUEST_ID, RequestIds.of(req))
                    .set(AUDIT_EVENT.CLIENT_ID, principal.map(Principal::clientId).orElse(null))
                    .set(AUDIT_EVENT.PRINCIPAL_TYPE, principal.map(p -> p.type().wireName()).orElse(null))
                    .set(AUDIT_EVENT.PRINCIPAL_ID, principal.map(Principal::id).orElse(null))
                    .set(AUDIT_EVENT.METHOD, req.prologue().method().text())
                    .set(AUDIT_EVENT.PATH, path)
                    .set(AUDIT_EVENT.STATUS, status)
                    .execute();
        } catch (RuntimeException e) {
            // The write itself is done; losing its audit line must be loud, but not fail the response.
            LOG.log(Level.ERROR, "could not record audit event for request " + RequestIds.of(req), e);
        }
    }
}
