package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.security.PiiKeys;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Event webhooks (decision 33): endpoints and their API ({@link WebhookEndpointHttpService#PATH}), the fan-out
 * subscriber ({@value #FAN_OUT}) that turns published domain events into deliveries, the delivery worker on every
 * node ({@value #DELIVERY_JOB}) and the log's retention ({@value #RETENTION_JOB}). Reads the {@code webhooks} node.
 */
public final class WebhooksModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String FAN_OUT = WebhookFanOut.SUBSCRIBER;
    public static final String DELIVERY_JOB = DeliveryWorker.JOB;
    public static final String RETENTION_JOB = "webhooks.log-retention";
    private static final Duration RETENTION_EVERY = Duration.ofHours(1);
    private static final int PURGE_BATCH = 5_000;

    private final DSLContext dsl;
    private final WebhookSettings settings;
    private final Clock clock;
    private final DeliveryRepository deliveries = new DeliveryRepository();
    private final EndpointRepository endpoints = new EndpointRepository();
    private final WebhookFanOut fanOut;
    private final DeliveryWorker worker;
    private final WebhookSecrets secrets;
    private final WebhookEndpointHttpService http;

    /**
     * @param partnerAudience which partners hear a variant's stock events, and their registered secrets
     * @param clock every due time, wait and retention cut-off is read from it (the server's injectable clock)
     * @param wallClock the node's own wall clock, which signs messages' timestamps: receivers check them against theirs
     */
    public WebhooksModule(Config webhooks, DSLContext dsl, OutboundHttp outbound, PiiKeys piiKeys,
                          PartnerAudience partnerAudience, Clock clock, Clock wallClock) {
        this.dsl = dsl;
        this.settings = WebhookSettings.from(webhooks);
        this.clock = clock;
        this.secrets = new WebhookSecrets(piiKeys);
        this.fanOut = new WebhookFanOut(endpoints, deliveries, partnerAudience, clock);
        this.worker = new DeliveryWorker(dsl, outbound, endpoints, deliveries, secrets, settings, partnerAudience, clock,
                wallClock);
        this.http = new WebhookEndpointHttpService(
                new WebhookEndpointService(dsl, endpoints, deliveries, secrets, settings, clock), settings.requireHttps());
    }

    @Override
    public String name() {
        return "webhooks";
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(WebhookEndpointHttpService.PATH, http);
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(DELIVERY_JOB, settings.poll(), settings.poll(), worker::run);
        jobs.schedule(RETENTION_JOB, RETENTION_EVERY, RETENTION_EVERY, this::purgeLog);
        PiiKeys.resealingJob(jobs, name(),
                batch -> dsl.transactionResult(tx -> endpoints.resealSecrets(tx.dsl(), secrets, batch)));
    }

    @Override
    public List<Subscriber> subscribers() {
        return List.of(fanOut.subscriber());
    }

    /** Deletes deliveries and attempts older than {@code webhooks.log.retention}, in batches; how many rows went. */
    private long purgeLog() {
        OffsetDateTime cutoff = OffsetDateTime.now(clock).minus(settings.retention());
        long purged = 0;
        int step;
        while ((step = dsl.transactionResult(tx -> deliveries.purge(tx.dsl(), cutoff, PURGE_BATCH))) > 0) {
            purged += step;
        }
        return purged;
    }
}
