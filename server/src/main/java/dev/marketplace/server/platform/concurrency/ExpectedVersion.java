package dev.marketplace.server.platform.concurrency;

import dev.marketplace.server.platform.http.ProblemException;

/**
 * The version of a resource a client saw and bases its change on (optimistic concurrency).
 * It came either in the body ({@code version}: a stale one is a 409) or as {@code If-Match}
 * (a stale one is a 412, as RFC 9110 says for failed preconditions).
 */
public record ExpectedVersion(long version, Source source) {

    public enum Source { BODY, IF_MATCH }

    /** Throws the right problem when {@code current} is not the version the client saw. */
    public void check(long current) {
        if (current != version) {
            throw stale(current);
        }
    }

    public ProblemException stale(long current) {
        return switch (source) {
            case BODY -> ProblemException.versionConflict(version, current);
            case IF_MATCH -> ProblemException.preconditionFailed(version, current);
        };
    }
}
