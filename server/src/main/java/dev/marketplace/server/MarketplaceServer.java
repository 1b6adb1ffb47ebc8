package dev.marketplace.server;

import dev.marketplace.server.catalog.CatalogModule;
import dev.marketplace.server.catalog.CategoriesModule;
import dev.marketplace.server.catalog.CategoryHttpService;
import dev.marketplace.server.catalog.ProductHttpService;
import dev.marketplace.server.catalog.SavedSearchIndex;
import dev.marketplace.server.channels.ChannelsModule;
import dev.marketplace.server.clients.ClientsModule;
import dev.marketplace.server.customers.CustomersModule;
import dev.marketplace.server.customers.MailSender;
import dev.marketplace.server.demo.DemoActivity;
import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.dropship.DropshipForwardingModule;
import dev.marketplace.server.dropship.DropshipModule;
import dev.marketplace.server.inventory.InventoryModule;
import dev.marketplace.server.inventory.LocationHttpService;
import dev.marketplace.server.inventory.ReservationHttpService;
import dev.marketplace.server.inventory.StockHttpService;
import dev.marketplace.server.merchants.MerchantHttpService;
import dev.marketplace.server.merchants.MerchantsModule;
import dev.marketplace.server.orders.FulfilmentModule;
import dev.marketplace.server.orders.OrderPorts;
import dev.marketplace.server.orders.OrdersModule;
import dev.marketplace.server.partners.inventory.PartnerInventoryModule;
import dev.marketplace.server.payments.PaymentsModule;
import dev.marketplace.server.platform.changes.ChangesModule;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.ParkedEvents;
import dev.marketplace.server.platform.events.ParkedEventsHttpService;
import dev.marketplace.server.platform.health.HealthHttpService;
import dev.marketplace.server.platform.health.StartupPhases;
import dev.marketplace.server.platform.http.ApiRoutes;
import dev.marketplace.server.platform.http.BrowserOrigins;
import dev.marketplace.server.platform.http.Admission;
import dev.marketplace.server.platform.http.CanonicalPaths;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.http.ErrorHandling;
import dev.marketplace.server.platform.http.HeaderDeadline;
import dev.marketplace.server.platform.http.Idempotency;
import dev.marketplace.server.platform.http.NoSniff;
import dev.marketplace.server.platform.http.ReadYourWrites;
import dev.marketplace.server.platform.http.RequestBodies;
import dev.marketplace.server.platform.http.RequestIds;
import dev.marketplace.server.platform.http.StorableText;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.webhooks.WebhooksModule;
import dev.marketplace.server.partners.PartnersModule;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import dev.marketplace.server.platform.persistence.EmbeddedDatabaseHeadStart;
import dev.marketplace.server.platform.persistence.NodeLiveness;
import dev.marketplace.server.platform.security.AuditTrail;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.RevokedTokens;
import dev.marketplace.server.platform.security.SecurityModule;
import dev.marketplace.server.points.PointsModule;
import dev.marketplace.server.promotions.PromotionsModule;
import dev.marketplace.server.reports.ReportsModule;
import dev.marketplace.server.reviews.ReviewsModule;
import io.helidon.common.context.Context;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckType;
import io.helidon.health.checks.HealthChecks;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * The marketplace composed by hand (decision 27): the platform (database, outbound calls, jobs, event subscribers,
 * security, the request filters), then each domain's {@link Module} in dependency order, then the web server.
 * {@link Main} starts one for real; tests start one per test class on a fresh database.
 */
public final class MarketplaceServer implements AutoCloseable {

    /** How long a running request holds its Idempotency-Key. */
    private static final Duration IDEMPOTENCY_LEASE = Duration.ofMinutes(1);
    /** How often a node checks that it still holds its liveness lock (decision 62). */
    private static final Duration NODE_LIVENESS_CHECK = Duration.ofSeconds(2);

    private static final System.Logger LOG = System.getLogger(MarketplaceServer.class.getName());

    private final Database database;
    private final NodeLiveness node;
    private final OutboundHttp outbound;
    private final Jobs jobs;
    private Idempotency idempotency;
    private AuditTrail auditTrail;
    private Admission admission;
    private final EventSubscribers subscribers;
    private final List<Module> modules;
    private final WebServer webServer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MarketplaceServer(Database database, NodeLiveness node, OutboundHttp outbound, Jobs jobs,
                              EventSubscribers subscribers, List<Module> modules, WebServer webServer) {
        this.database = database;
        this.node = node;
        this.outbound = outbound;
        this.jobs = jobs;
        this.subscribers = subscribers;
        this.modules = List.copyOf(modules);
        this.webServer = webServer;
    }

    /** Mail to customers goes to the log and to {@code <data.dir>/mail} (README, "Mail"). */
    public static MarketplaceServer start(Config config) {
        return start(config, developmentMail(config));
    }

    /** With the embedded PostgreSQL begun before the configuration was read (decision 122): {@link Main}'s start. */
    public static MarketplaceServer start(Config config, EmbeddedDatabaseHeadStart headStart) {
        try {
            return start(config, developmentMail(config), Clock.systemUTC(), Clock.systemUTC(), headStart);
        } catch (RuntimeException e) {
            headStart.abandon(); // a start that failed before it took the database: stop it
            throw e;
        }
    }

    private static MailSender developmentMail(Config config) {
        return MailSender.developmentSink(Path.of(config.get("data.dir").asString().get()).resolve("mail"),
                Clock.systemUTC());
    }

    /** With the sender mail to customers goes through (verification and password-reset codes). */
    public static MarketplaceServer start(Config config, MailSender mailSender) {
        return start(config, mailSender, Clock.systemUTC());
    }

    /** With the clock points (return windows, expiry) and reviews (edit windows, reply deadlines) keep time by: tests move it forward. */
    public static MarketplaceServer start(Config config, MailSender mailSender, Clock clock) {
        return start(config, mailSender, clock, Clock.systemUTC());
    }

    /**
     * With, besides, this node's own wall clock (access tokens are issued and checked by it): tests set it a few
     * seconds off to prove nodes whose clocks differ work together (decision 62).
     */
    public static MarketplaceServer start(Config config, MailSender mailSender, Clock clock, Clock wallClock) {
        return start(config, mailSender, clock, wallClock, EmbeddedDatabaseHeadStart.none());
    }

    private static MarketplaceServer start(Config config, MailSender mailSender, Clock clock, Clock wallClock,
                                           EmbeddedDatabaseHeadStart headStart) {
        StartupPhases phases = new StartupPhases();
        // What needs no database is done beside its start and schema check, which are mostly waiting (decision 84): the
        // OpenAPI document's routes read and the outbound calls' settings made (the metrics registry starts; the JDK's
        // client, its TLS set-up, waits for the first call, decision 132). So is the search index saved at
        // the last stop read back (decision 105): the readiness probe waits for the index, the index for this read.
        Path dataDirectory = Path.of(config.get("data.dir").asString().get());
        CompletableFuture<SavedSearchIndex> savedSearchIndexRead = phases.beside("saved search index read",
                read -> SavedSearchIndex.read(config.get("catalog"), dataDirectory, read::partEnded));
        CompletableFuture<ApiRoutes> documentRead = phases.beside("OpenAPI document read",
                read -> ApiRoutes.fromClasspathRoutes());
        CompletableFuture<OutboundHttp> outboundMade = phases.beside("outbound HTTP client made",
                made -> OutboundHttp.create(config.get("outbound")));
        Database database;
        NodeLiveness node;
        OutboundHttp outbound;
        try {
            database = Database.start(DatabaseSettings.from(config), phases, headStart);
            try {
                node = phases.timed("node registered", () -> NodeLiveness.start(database));
                outbound = StartupPhases.joined(outboundMade);
            } catch (RuntimeException e) {
                database.close();
                throw e;
            }
        } catch (RuntimeException e) {
            outboundMade.thenAccept(OutboundHttp::close);
            throw e;
        }
        // Scheduled while the routes are built, run once the web server serves (decision 113).
        Jobs jobs = Jobs.heldUntilBegun(Metrics.globalRegistry());
        List<Module> modules = new ArrayList<>();
        AuditTrail auditTrail = null;
        Admission admission = null;
        try {
            DSLContext dsl = database.dsl();
            phases.timed("demo data checked", () -> fillWithDemoDataIfEnabled(config.get("demo.data"), database));
            EventSubscribers subscribers = new EventSubscribers(dsl, UUID.randomUUID().toString(),
                    EventSubscribers.Settings.from(config.get("events")), Metrics.globalRegistry());
            RevokedTokens revokedTokens = new RevokedTokens(dsl, wallClock);

            // The domains, each after the modules whose services it takes.
            StartupPhases.Phase moduleConstruction = phases.begin("modules built");
            ClientsModule clients = add(modules, moduleConstruction, new ClientsModule(dsl, revokedTokens));
            SecurityModule security = add(modules, moduleConstruction, new SecurityModule(config, dsl, outbound, clients.service(),
                    revokedTokens, wallClock));
            add(modules, moduleConstruction, new ChangesModule(config.get("changes"), dsl));
            CategoriesModule categories = add(modules, moduleConstruction, new CategoriesModule(dsl));
            MerchantsModule merchants = add(modules, moduleConstruction, new MerchantsModule(config.get("merchants"), dsl,
                    categories.service(), clients.service(), security.piiKeys()));
            CatalogModule catalog = add(modules, moduleConstruction, new CatalogModule(config.get("catalog"),
                    dataDirectory, savedSearchIndexRead, database, categories.service(), merchants.service()));
            InventoryModule inventory = add(modules, moduleConstruction, new InventoryModule(database, catalog.products()));
            PointsModule points = add(modules, moduleConstruction, new PointsModule(config.get("points"), dsl, clock));
            ChannelsModule channels = add(modules, moduleConstruction, new ChannelsModule(config.get("channels"), dsl, clock));
            DropshipModule dropship = add(modules, moduleConstruction, new DropshipModule(config.get("dropship"), dsl, outbound,
                    security.piiKeys(), catalog.products(), inventory.inventory(), categories.service(), clock));
            PromotionsModule promotions = add(modules, moduleConstruction, new PromotionsModule(config.get("promotions"), dsl, clock));
            OrdersModule orders = add(modules, moduleConstruction, new OrdersModule(config.get("orders"), database, catalog.products(),
                    inventory.inventory(), inventory.reservations(), merchants.service(), security.piiKeys(),
                    new OrderPorts(promotions.orderCoupons(), points.orderPoints(), channels.attribution(),
                            dropship.supplyFreshness())));
            PaymentsModule payments = add(modules, moduleConstruction, new PaymentsModule(config.get("payments"), dsl, outbound,
                    orders.orders(), clock));
            PartnersModule partners = add(modules, moduleConstruction, new PartnersModule(config.get("partners"), dsl, outbound,
                    security.piiKeys(), points.exchange(), clock));
            PartnerInventoryModule partnerInventory = add(modules, moduleConstruction, new PartnerInventoryModule(
                    config.get("partner-inventory"), dsl, catalog.products(), categories.service(), merchants.service(),
                    inventory.inventory(), inventory.reservations(), orders.orders(), partners.directory(), clock));
            FulfilmentModule fulfilment = add(modules, moduleConstruction, new FulfilmentModule(config.get("orders"), config.get("carriers"),
                    dsl, orders.orders(), inventory.inventory(), inventory.reservations(),
                    partnerInventory.refunds(payments.refunds()), security.piiKeys()));
            add(modules, moduleConstruction, new DropshipForwardingModule(dsl, dropship, orders.orders(), fulfilment.fulfilment()));
            add(modules, moduleConstruction, new CustomersModule(config.get("customers"), dsl, security.piiKeys(), mailSender,
                    security.grants(), clients.service(), security.rateLimits(), security.settings().issuer(),
                    List.of(orders.customerData())));
            add(modules, moduleConstruction, new SettlementModule(config.get("settlement"), dsl, outbound, orders.orders(), merchants.service(),
                    clock));
            add(modules, moduleConstruction, new ReportsModule(orders.salesFigures(), points.figures(), promotions.figures()));
            add(modules, moduleConstruction, new WebhooksModule(config.get("webhooks"), dsl, outbound, security.piiKeys(),
                    partnerInventory.webhookAudience(), clock, wallClock));
            add(modules, moduleConstruction, new ReviewsModule(config.get("reviews"), dsl, orders.orders(), catalog.products(),
                    merchants.service(), dropship.supplierDataFreshness(), clock));
            moduleConstruction.ended();

            StartupPhases.Phase routingSetUp = phases.begin("routes, filters, jobs and subscribers set up");
            Idempotency idempotency = new Idempotency(dsl, node, IDEMPOTENCY_LEASE,
                    config.get("idempotency.bookkeeping.max-pending").asInt().get(), Metrics.globalRegistry(),
                    modules.stream().flatMap(module -> module.pathsKeepingTheirOwnKeys().stream())
                            .collect(Collectors.toSet()));
            jobs.schedule("platform.node-liveness", NODE_LIVENESS_CHECK, NODE_LIVENESS_CHECK, node::keepHeld);
            ApiRoutes routes = StartupPhases.joined(documentRead);
            ErrorHandling errors = new ErrorHandling(routes);
            auditTrail = new AuditTrail(dsl);
            admission = new Admission(Admission.Settings.from(config.get("http.admission")),
                    modules.stream().flatMap(module -> module.admissionCosts().entrySet().stream())
                            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                    Metrics.globalRegistry());
            // Filters run in this order; each is one platform rule that no handler repeats.
            HttpRouting.Builder routing = HttpRouting.builder()
                    .addFilter(new NoSniff())
                    .addFilter(new RequestIds())
                    .addFilter(auditTrail)
                    // CORS: customer-facing operations from configured origins only, preflights before authentication.
                    .addFilter(BrowserOrigins.from(config, routes))
                    // One operation of the document per request, from the path as sent, or 404/405 (decision 22).
                    .addFilter(new CanonicalPaths(routes))
                    // At most so many requests at once, cheapest first; the rest shed before any work (decision 92).
                    .addFilter(admission)
                    .addFilter(new Authentication(security.accessTokens(), security.rateLimits()))
                    .addFilter(new StorableText())
                    .addFilter(idempotency)
                    // What changes listings (decision 19); checkouts' stock flips are left to the notifications' lag.
                    .addFilter(new ReadYourWrites(catalog.listingChanges(), List.of(ProductHttpService.PATH,
                            MerchantHttpService.PATH, CategoryHttpService.PATH, StockHttpService.PATH,
                            LocationHttpService.PATH, ReservationHttpService.PATH, ReviewsModule.REVIEWS_PATH)));
            errors.register(routing);
            ContractRouting contractRouting = new ContractRouting(routes, routing);
            for (Module module : modules) {
                module.routes(contractRouting);
                module.jobs(jobs);
                module.subscribers().forEach(subscriber -> subscribers.subscribe(subscriber, jobs));
            }
            contractRouting.register(HealthHttpService.PATH, new HealthHttpService(healthChecks(database, catalog),
                    security.accessTokens()));
            contractRouting.register(ParkedEventsHttpService.PATH,
                    new ParkedEventsHttpService(new ParkedEvents(dsl, subscribers)));
            routingSetUp.ended();

            StartupPhases.Phase webServerStart = phases.begin("web server started");
            Context serverContext = Context.create();
            serverContext.register(new RequestBodies(
                    config.get("http.body.timeout").as(Duration.class).get()));
            WebServer webServer = WebServer.builder()
                    .config(config.get("server"))
                    .serverContext(serverContext)
                    .directHandlers(errors.directHandlers())
                    // The only protocol: a second (discovered) HTTP/1.1 one would make Helidon read a new connection's first
                    // bytes before its idle check can see it, leaving silent connections open.
                    .protocolsDiscoverServices(false)
                    .addProtocol(Http1Config.builder().addReceiveListener(new HeaderDeadline(
                            config.get("http.header.timeout").as(Duration.class).get())).build())
                    .addFeature(observability(config))
                    .routing(routing)
                    .build()
                    .start();
            webServerStart.ended();
            if (!webServer.isRunning()) {
                // Helidon logs a listener that failed to bind (its port taken) and returns a stopped server.
                throw new IllegalStateException("the web server did not start (see the log above: is port "
                        + config.get("server.port").asInt().get() + " taken?)");
            }
            jobs.begin();
            MarketplaceServer server = new MarketplaceServer(database, node, outbound, jobs, subscribers, modules, webServer);
            server.idempotency = idempotency;
            server.auditTrail = auditTrail;
            server.admission = admission;
            try {
                phases.timed("demo trade checked", () -> tradeInDemoDataIfEnabled(config, database, security,
                        webServer.port(), clock));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (RuntimeException e) {
            // The web server did not start (its port taken, say): nothing answered, but the audit writer's thread ran.
            if (auditTrail != null) {
                auditTrail.close();
            }
            if (admission != null) {
                admission.close();
            }
            jobs.close();
            closeAll(modules);
            outbound.close();
            node.close();
            database.close();
            throw e;
        }
    }

    /** Adds a module just built: its construction, since the previous one's, is a part of the modules' phase. */
    private static <M extends Module> M add(List<Module> modules, StartupPhases.Phase construction, M module) {
        construction.partEnded(module.name());
        modules.add(module);
        return module;
    }

    /** Closes modules in the reverse of their order, so none outlives what it uses. */
    private static void closeAll(List<Module> modules) {
        for (Module module : modules.reversed()) {
            module.close();
        }
    }

    /**
     * Generates demo data into an empty marketplace when {@code demo.data.enabled} is set (README, "Demo data");
     * a marketplace that already has merchants is left alone, so restarts with the setting on are harmless.
     */
    private static void fillWithDemoDataIfEnabled(Config demo, Database database) {
        if (!demo.get("enabled").asBoolean().get()) {
            return;
        }
        DemoData.Size size = new DemoData.Size(demo.get("merchants").asInt().get(), demo.get("products").asInt().get(),
                DemoData.Size.DEFAULT.skusPerProduct(), demo.get("customers").asInt().get());
        long seed = demo.get("seed").asLong().get();
        DemoData.fillIfEmpty(database.dataSource(), size, seed).ifPresentOrElse(
                summary -> LOG.log(System.Logger.Level.INFO, "demo data generated (seed " + seed + "): " + summary
                        + "; database size now " + database.dsl().fetchValue(
                                "SELECT pg_size_pretty(pg_database_size(current_database()))")),
                () -> LOG.log(System.Logger.Level.INFO,
                        "demo data not generated: the marketplace already has merchants"));
    }

    /**
     * Once the server answers, the demo customers' orders, points and coupons are made through its API
     * ({@link DemoActivity}) when demo data is on, the marketplace has no order yet and payments go to the built-in
     * test provider (a demo never charges a real one).
     */
    private static void tradeInDemoDataIfEnabled(Config config, Database database, SecurityModule security, int port,
                                                 Clock clock) {
        if (!config.get("demo.data.enabled").asBoolean().get()) {
            return;
        }
        if (!"test".equals(config.get("payments.provider").asString().get())) {
            LOG.log(System.Logger.Level.INFO, "demo orders not made: payments do not go to the built-in test provider");
            return;
        }
        String host = config.get("server.host").asString().get();
        URI base = URI.create("http://" + (host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host) + ":"
                + port + "/");
        DemoActivity.runIfNoOrders(base, security.accessTokens(), database,
                        config.get("demo.data.seed").asLong().get(), clock)
                .ifPresentOrElse(summary -> LOG.log(System.Logger.Level.INFO, "demo trade made: " + summary),
                        () -> LOG.log(System.Logger.Level.INFO, "demo trade not made: the marketplace already has "
                                + "orders, or no demo customers or stock to trade"));
    }

    /** Metrics; health is {@link HealthHttpService}, which shows its details to the operator only. */
    private static ObserveFeature observability(Config config) {
        return ObserveFeature.builder()
                .config(config.get("server.features.observe"))
                .build();
    }

    /**
     * Liveness: Helidon's deadlock, disk space and heap checks; readiness: the database answers and the storefront's
     * search index has been filled since the start (decision 59). The index's check comes first: it reads a flag,
     * while the database's opens a connection, which an anonymous probe skips once a check is down.
     */
    private static List<HealthCheck> healthChecks(Database database, CatalogModule catalog) {
        List<HealthCheck> checks = new ArrayList<>(List.of(HealthChecks.healthChecks()));
        checks.add(HealthHttpService.check("searchIndex", HealthCheckType.READINESS, catalog::searchIndexFilled));
        checks.add(HealthHttpService.check("database", HealthCheckType.READINESS, database::isReachable));
        return checks;
    }

    public int port() {
        return webServer.port();
    }

    public Database database() {
        return database;
    }

    /** The node's background jobs, for tests that run one by name ({@link Jobs#runNow}) instead of waiting. */
    public Jobs jobs() {
        return jobs;
    }

    /** The Idempotency-Key filter, for tests that inject a failure after a request's commit (decision 50). */
    public Idempotency idempotency() {
        return idempotency;
    }

    /** The module of this type, for tests that act on a module's behalf (the payment provider's side). */
    public <M extends Module> Optional<M> module(Class<M> type) {
        return modules.stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    /**
     * Stops taking requests, lets those in flight finish (within the grace period), stops the jobs and hands this
     * node's event subscribers to the other nodes, then closes the database. Once: a later call does nothing.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        webServer.stop();
        auditTrail.close();
        admission.close();
        jobs.close();
        closeAll(modules);
        subscribers.releaseLeases();
        outbound.close();
        node.close();
        database.close();
    }
}
