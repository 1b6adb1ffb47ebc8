package dev.marketplace.server.reviews;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/service-levels}: a merchant's service-level report (decision 40). Parses, delegates, renders. */
final class ServiceLevelHttpService implements HttpService {

    static final String PATH = "/v1/service-levels";
    /** A report spans at most a year: enough for any review of a merchant, bounded for the database. */
    private static final Duration LONGEST_PERIOD = Duration.ofDays(366);

    private final ServiceLevels serviceLevels;
    private final Duration defaultPeriod;

    ServiceLevelHttpService(ServiceLevels serviceLevels, Duration defaultPeriod) {
        this.serviceLevels = serviceLevels;
        this.defaultPeriod = defaultPeriod;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{merchantId}", this::report);
    }

    public record MeasureResource(String name, int due, int inTime, Integer shareBasisPoints, int thresholdBasisPoints,
                                  boolean missed) {
        static MeasureResource of(ServiceLevels.Measure measure) {
            return new MeasureResource(measure.name(), measure.due(), measure.inTime(), measure.shareBasisPoints(),
                    measure.thresholdBasisPoints(), measure.missed());
        }
    }

    public record StandingResource(String state, List<MeasureResource> missed, OffsetDateTime warnedAt,
                                   OffsetDateTime frozenAt, OffsetDateTime evaluatedAt, OffsetDateTime periodFrom,
                                   OffsetDateTime periodTo) {
    }

    /** What could not be measured, and why (stock and price freshness without a supplier connection). */
    public record UnmeasuredResource(String name, String reason) {
    }

    public record ReportResource(UUID merchantId, OffsetDateTime from, OffsetDateTime to,
                                 List<MeasureResource> measures, int overdueReplies, StandingResource standing,
                                 List<UnmeasuredResource> unmeasured) {
    }

    private static final List<UnmeasuredResource> FRESHNESS_UNMEASURED = List.of(new UnmeasuredResource(
            ServiceLevels.DATA_FRESHNESS, "Stock and price freshness is measured from drop-ship supplier connections'"
                    + " syncs, and the merchant had none in the period; for data fed by an ERP nothing records which"
                    + " merchants' data comes from one, nor when it last changed."));

    private void report(ServerRequest req, ServerResponse res) {
        UUID merchantId = Ids.parse(req.path().pathParameters().get("merchantId"))
                .orElseThrow(() -> ProblemException.notFound("merchant"));
        QueryParameters query = QueryParameters.of(req, "from", "to");
        Optional<OffsetDateTime> from = query.instant("from");
        Optional<OffsetDateTime> to = query.instant("to");
        query.throwIfInvalid();
        OffsetDateTime end = to.orElseGet(serviceLevels::now);
        OffsetDateTime start = from.orElse(end.minus(defaultPeriod));
        if (!start.isBefore(end)) {
            query.reject("from", FieldError.OUT_OF_RANGE, "must be before to");
        } else if (Duration.between(start, end).compareTo(LONGEST_PERIOD) > 0) {
            query.reject("from", FieldError.OUT_OF_RANGE, "must be at most 366 days before to");
        }
        query.throwIfInvalid();
        ServiceLevels.Report report = serviceLevels.report(Authentication.principal(req), merchantId, start, end);
        ServiceLevels.Standing standing = report.standing();
        JsonResponses.ok(res, new ReportResource(report.merchantId(), report.from(), report.to(),
                report.measures().stream().map(MeasureResource::of).toList(), report.overdueReplies(),
                new StandingResource(standing.state(), standing.missed().stream().map(MeasureResource::of).toList(),
                        standing.warnedAt(), standing.frozenAt(), standing.evaluatedAt(), standing.periodFrom(),
                        standing.periodTo()),
                report.measures().stream().anyMatch(m -> m.name().equals(ServiceLevels.DATA_FRESHNESS))
                        ? List.of() : FRESHNESS_UNMEASURED));
    }

}
