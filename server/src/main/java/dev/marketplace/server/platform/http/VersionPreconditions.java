package dev.marketplace.server.platform.http;

import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Optimistic concurrency over HTTP: a resource's {@code version} is its strong entity tag ({@code "3"}),
 * sent as {@code ETag}; a change names the version it saw as {@code If-Match} or as {@code version} in the body.
 */
public final class VersionPreconditions {

    private static final Pattern STRONG_VERSION_TAG = Pattern.compile("\"([1-9][0-9]{0,18})\"");

    private VersionPreconditions() {
    }

    public static String etag(long version) {
        return "\"" + version + "\"";
    }

    public static void sendEtag(ServerResponse res, long version) {
        res.header(HeaderNames.ETAG, etag(version));
    }

    /** The version the client names, if any; If-Match and the body must agree when both are given. */
    public static Optional<ExpectedVersion> expectedVersion(ServerRequest req, Optional<Long> bodyVersion) {
        Optional<String> ifMatch = req.headers().first(HeaderNames.IF_MATCH);
        if (ifMatch.isEmpty()) {
            return bodyVersion.map(version -> new ExpectedVersion(version, ExpectedVersion.Source.BODY));
        }
        Matcher matcher = STRONG_VERSION_TAG.matcher(ifMatch.get().strip());
        if (!matcher.matches()) {
            throw ProblemException.validation("If-Match", FieldError.INVALID_FORMAT,
                    "must be one version as a strong entity tag, such as \"3\"");
        }
        long version = Long.parseLong(matcher.group(1));
        if (bodyVersion.isPresent() && bodyVersion.get() != version) {
            throw ProblemException.validation("version", FieldError.INVALID_FORMAT,
                    "disagrees with If-Match; send one of them");
        }
        return Optional.of(new ExpectedVersion(version, ExpectedVersion.Source.IF_MATCH));
    }

    /** Like {@link #expectedVersion}, for changes that must name a version (428 when none is given). */
    public static ExpectedVersion requireExpectedVersion(ServerRequest req, Optional<Long> bodyVersion) {
        return expectedVersion(req, bodyVersion).orElseThrow(() -> ProblemException.preconditionRequired(
                "Name the version you last saw, as \"version\" in the body or as an If-Match header."));
    }
}
