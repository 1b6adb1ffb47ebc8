package dev.marketplace.server.partners;

import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.points.PointsExchange;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Partner platforms and the cross-platform points exchange in both directions (decision 37): the registry of
 * partners and customers' member links, dated exchange terms, outbound and inbound exchanges with the job that
 * resolves unknown outcomes ({@value #RECONCILE_JOB}), daily reconciliation files and statements. Reads
 * {@code partners.*}; keeps time by the clock it is given. Partners are keyed by their {@code partner} principal's id.
 */
public final class PartnersModule implements Module {

    public static final String RECONCILE_JOB = Exchanges.RECONCILE_JOB;
    private static final Duration SWEEP = Duration.ofSeconds(30);

    private final PartnerRegistry registry;
    private final ExchangeTerms terms;
    private final Exchanges exchanges;
    private final ExchangeReports reports;

    public PartnersModule(Config config, DSLContext dsl, OutboundHttp outbound, PiiKeys keys, PointsExchange points,
                          Clock clock) {
        PartnersSettings settings = PartnersSettings.from(config);
        this.registry = new PartnerRegistry(dsl, keys);
        this.terms = new ExchangeTerms(dsl, points);
        this.exchanges = new Exchanges(dsl, registry, terms, points, new PartnerApi(outbound, clock), settings, clock);
        this.reports = new ExchangeReports(dsl, clock);
    }

    @Override
    public String name() {
        return "partners";
    }

    /** The registry as other domains ask it: whether a partner is registered, its webhook secret. */
    public PartnerDirectory directory() {
        return registry;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(PartnersHttpService.PATH, new PartnersHttpService(registry, terms, reports, exchanges));
        routing.register(PartnerLinksHttpService.PATH, new PartnerLinksHttpService(registry));
        routing.register(ExchangesHttpService.PATH, new ExchangesHttpService(exchanges));
    }

    /** An inbound credit's key is its exchange's reference (decision 37), kept and replayed by {@link Exchanges}. */
    @Override
    public List<String> pathsKeepingTheirOwnKeys() {
        return List.of(ExchangesHttpService.INBOUND_PATH);
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(RECONCILE_JOB, SWEEP, SWEEP, exchanges::reconcile);
    }
}
