package dev.marketplace.server.platform.http;

import dev.marketplace.server.platform.persistence.DatabaseFailures;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.NotFoundException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import java.lang.System.Logger.Level;

/**
 * Makes every error an RFC 9457 problem with a stable code: errors raised by handlers (through routing
 * error handlers) and errors the server answers before routing, such as a malformed request or an
 * oversized body (through direct handlers). A 500 never carries internals; they go to the log with the
 * request id.
 */
public final class ErrorHandling {

    private static final System.Logger LOG = System.getLogger(ErrorHandling.class.getName());

    private final ApiRoutes routes;

    public ErrorHandling(ApiRoutes routes) {
        this.routes = routes;
    }

    public void register(HttpRouting.Builder routing) {
        routing.error(ProblemException.class, ProblemResponses::send)
                .error(Idempotency.Replay.class, (req, res, replay) -> replay.send(res))
                // Raised by routing itself when no route matches: tell 404 from 405 by the contract.
                .error(NotFoundException.class, (req, res, e) ->
                        ProblemResponses.send(req, res, routes.unrouted(req.prologue().method().text(), req.path().absolute().path())))
                .error(HttpException.class, (req, res, e) -> ProblemResponses.send(req, res, fromStatus(e.status())))
                .error(Throwable.class, (req, res, e) -> {
                    ProblemException problem;
                    if (DatabaseFailures.unreachable(e)) {
                        LOG.log(Level.WARNING, "request " + RequestIds.of(req) + ": database unavailable: " + e);
                        problem = ProblemException.serviceUnavailable("The database is not reachable; retry shortly.");
                    } else if (DatabaseFailures.mayPassLater(e)) {
                        // A deadlock, serialization failure or timeout rolled the transaction back: nothing changed,
                        // and the same request (its key released) may pass when sent again.
                        LOG.log(Level.WARNING, "request " + RequestIds.of(req) + ": refused for now by the database: "
                                + e);
                        problem = ProblemException.serviceUnavailable(
                                "The request met a concurrent one in the database and was undone; send it again.");
                    } else {
                        LOG.log(Level.ERROR, "request " + RequestIds.of(req) + " failed", e);
                        problem = ProblemException.internalError();
                    }
                    ProblemResponses.send(req, res, problem);
                });
    }

    /** Problem documents for what the server answers before any route runs (bad requests, 413, 414, 505). */
    public DirectHandlers directHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, ErrorHandling::direct);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest request,
                                                          DirectHandler.EventType event,
                                                          Status status,
                                                          ServerResponseHeaders headers,
                                                          String message) {
        String requestId = RequestIds.newId();
        ProblemException problem = fromStatus(status);
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, ProblemResponses.MEDIA_TYPE)
                .header(RequestIds.HEADER, requestId)
                .header(NoSniff.HEADER)
                .entity(ProblemResponses.body(problem, requestId, request.path()))
                .build();
    }

    /** A problem for an HTTP status raised outside our own code, without the raiser's message. */
    static ProblemException fromStatus(Status status) {
        return switch (status.code()) {
            case 400 -> ProblemException.badRequest("The request is not valid HTTP or cannot be read.");
            case 404 -> ProblemException.routeNotFound("this path");
            case 413 -> ProblemException.payloadTooLarge();
            case 414 -> ProblemException.uriTooLong();
            case 500 -> ProblemException.internalError();
            default -> new ProblemException(status.code(), "http_" + status.code(), status.reasonPhrase(),
                    status.reasonPhrase() + ".");
        };
    }
}
