package dev.marketplace.server;

import dev.marketplace.server.catalog.CategoryHttpService;
import dev.marketplace.server.catalog.ComplianceCheck;
import dev.marketplace.server.catalog.ListingCache;
import dev.marketplace.server.catalog.ListingHttpService;
import dev.marketplace.server.catalog.ProductHttpService;
import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.clients.ApiClientHttpService;
import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.customers.CustomerHttpService;
import dev.marketplace.server.customers.CustomerService;
import dev.marketplace.server.customers.MailSender;
import dev.marketplace.server.customers.SignInHttpService;
import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.platform.security.DelegatedGrants;
import dev.marketplace.server.platform.security.PiiKeys;
import java.util.ArrayList;
import java.util.List;
import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.inventory.LocationHttpService;
import dev.marketplace.server.inventory.ReservationHttpService;
import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.inventory.StockHttpService;
import dev.marketplace.server.merchants.AdmissionRules;
import dev.marketplace.server.merchants.MerchantHttpService;
import dev.marketplace.server.merchants.MerchantPlans;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeRetention;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.jobs.Jobs;
import io.helidon.metrics.api.Metrics;
import dev.marketplace.server.orders.CarrierWebhookHttpService;
import dev.marketplace.server.orders.CartHttpService;
import dev.marketplace.server.orders.CartService;
import dev.marketplace.server.orders.FulfilmentService;
import dev.marketplace.server.orders.OrderCustomerData;
import dev.marketplace.server.orders.OrderHttpService;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.orders.ReturnHttpService;
import dev.marketplace.server.orders.ReturnService;
import dev.marketplace.server.orders.SubOrderHttpService;
import dev.marketplace.server.orders.TaxRates;
import dev.marketplace.server.payments.PaymentHttpService;
import dev.marketplace.server.payments.PaymentProvider;
import dev.marketplace.server.payments.PaymentProviders;
import dev.marketplace.server.payments.PaymentService;
import dev.marketplace.server.payments.PaymentWebhookHttpService;
import dev.marketplace.server.platform.http.Idempotency;
import dev.marketplace.server.platform.health.HealthHttpService;
import dev.marketplace.server.platform.http.HeaderDeadline;
import dev.marketplace.server.platform.http.NoSniff;
import dev.marketplace.server.platform.http.RequestBodies;
import io.helidon.common.context.Context;
import dev.marketplace.server.platform.security.AccessTokens;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.security.AuditTrail;
import dev.marketplace.server.platform.security.ExternalIssuers;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.OAuthHttpService;
import dev.marketplace.server.platform.security.RateLimits;
import dev.marketplace.server.platform.security.RevokedTokens;
import dev.marketplace.server.platform.security.SecuritySettings;
import dev.marketplace.server.platform.security.SigningKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.jooq.DSLContext;
import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.platform.http.ApiRoutes;
import dev.marketplace.server.platform.http.BrowserOrigins;
import dev.marketplace.server.platform.http.CanonicalPaths;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.http.ErrorHandling;
import dev.marketplace.server.platform.http.ReadYourWrites;
import dev.marketplace.server.platform.http.RequestIds;
import dev.marketplace.server.platform.http.StorableText;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.checks.HealthChecks;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;

/**
 * The whole marketplace wired by hand: database, domain services, HTTP routing, observability.
 * {@link Main} starts one for real; tests start one per test class on a fresh database.
 */
public final class MarketplaceServer implements AutoCloseable {

    /** How long an Idempotency-Key is remembered, and how long a running request holds its key. */
    private static final Duration IDEMPOTENCY_RETENTION = Duration.ofHours(24);
    private static final Duration IDEMPOTENCY_LEASE = Duration.ofMinutes(1);

    private static final System.Logger LOG = System.getLogger(MarketplaceServer.class.getName());
    /** How often each node checks whether the signing key is due for rotation (safe on many nodes: advisory lock). */
    private static final Duration KEY_ROTATION_CHECK = Duration.ofHours(1);
    /** How often each node releases expired stock reservations (safe on many nodes: SKIP LOCKED). */
    private static final Duration RESERVATION_EXPIRY_SWEEP = Duration.ofSeconds(30);
    /** How often each node settles pending changes and events, so a reader rarely has any to settle itself. */
    private static final Duration CHANGE_SETTLING = Duration.ofSeconds(1);
    /** How often each node prunes changes past their retention (safe on many nodes: advisory lock). */
    private static final Duration CHANGE_PRUNING = Duration.ofMinutes(10);
    /** Rows re-sealed per transaction after a PII key rotation (at start-up, then hourly; SKIP LOCKED). */
    private static final int PII_REENCRYPTION_BATCH = 500;
    /** How often each node runs the order and payment jobs (SKIP LOCKED, safe on many nodes). */
    private static final Duration ORDER_JOBS_SWEEP = Duration.ofSeconds(30);

    /** Job names ({@link Jobs#runNow}); the domains' own jobs are named by their services. */
    public static final String SIGNING_KEY_ROTATION_JOB = "security.signing-key-rotation";
    public static final String PERSONAL_DATA_RESEALING_JOB = "security.personal-data-resealing";
    public static final String EXPIRED_GRANTS_PURGE_JOB = "security.expired-grants-purge";
    public static final String CHANGE_SETTLING_JOB = "changes.settling";
    public static final String CHANGE_RETENTION_JOB = "changes.retention";
    /** About 2 KB each: at most some 20 MB of listings. */
    private static final int CACHED_LISTINGS = 10_000;
    /** About 30 KB each (20 listings): at most some 30 MB of search and category pages. */
    private static final int CACHED_LISTING_PAGES = 1_000;

    private final Database database;
    private final OutboundHttp outbound;
    private final Jobs jobs;
    private final EventSubscribers subscribers;
    private final PaymentProvider paymentProvider;
    private final ChangeNotifications listingChanges;
    private final WebServer webServer;

    private MarketplaceServer(Database database, OutboundHttp outbound, Jobs jobs, EventSubscribers subscribers,
                              PaymentProvider paymentProvider, ChangeNotifications listingChanges, WebServer webServer) {
        this.database = database;
        this.outbound = outbound;
        this.jobs = jobs;
        this.subscribers = subscribers;
        this.paymentProvider = paymentProvider;
        this.listingChanges = listingChanges;
        this.webServer = webServer;
    }

    public static MarketplaceServer start(Config config) {
        return start(config, MailSender.logging());
    }

    /** With the sender mail to customers goes through (verification and password-reset codes). */
    public static MarketplaceServer start(Config config, MailSender mailSender) {
        Database database = Database.start(DatabaseSettings.from(config));
        OutboundHttp outbound = OutboundHttp.create(config.get("outbound"));
        Jobs jobs = new Jobs(Metrics.globalRegistry());
        ChangeNotifications listingChanges = null;
        try {
            DSLContext dsl = database.dsl();
            fillWithDemoDataIfEnabled(config.get("demo.data"), database);
            SecuritySettings security = SecuritySettings.from(config);
            RevokedTokens revokedTokens = new RevokedTokens(dsl);
            ApiClientService clients = new ApiClientService(dsl, revokedTokens);
            clients.ensureOperatorClient(security.operatorClientId(), security.operatorClientSecret());
            SigningKeys signingKeys = new SigningKeys(dsl, security.keyEncryption(), security.accessTokenLifetime());
            signingKeys.ensureActiveKey(security.rotateSigningKeyAfter());
            jobs.schedule(SIGNING_KEY_ROTATION_JOB, KEY_ROTATION_CHECK, KEY_ROTATION_CHECK, () -> {
                signingKeys.ensureActiveKey(security.rotateSigningKeyAfter());
                return 0;
            });
            ExternalIssuers externalIssuers = ExternalIssuers.from(config.get("security"), outbound);
            AccessTokens accessTokens = new AccessTokens(signingKeys, revokedTokens, security, externalIssuers);
            RateLimits rateLimits = RateLimits.from(config);
            ApiRoutes routes = ApiRoutes.fromClasspathDocument();
            ErrorHandling errors = new ErrorHandling(routes);
            CategoryService categories = new CategoryService(dsl);
            PiiKeys piiKeys = PiiKeys.from(config.get("security"), security.keyEncryption());
            MerchantService merchants = new MerchantService(dsl, categories, clients, AdmissionRules.from(config),
                    MerchantPlans.from(config), piiKeys);
            ProductService products = new ProductService(dsl, categories, merchants, ComplianceCheck.from(config));
            ListingCache listingCache = new ListingCache(CACHED_LISTINGS, CACHED_LISTING_PAGES);
            listingChanges = ChangeNotifications.listen(ListingCache.CHANNEL, database, listingCache);
            listingCache.servedWhile(listingChanges::isCurrent);
            InventoryService inventory = new InventoryService(dsl, products);
            ReservationService reservations = new ReservationService(dsl, products);
            jobs.schedule(ReservationService.EXPIRY_JOB, RESERVATION_EXPIRY_SWEEP, RESERVATION_EXPIRY_SWEEP,
                    reservations::releaseExpired);
            ChangeRetention changeRetention = ChangeRetention.from(config);
            jobs.schedule(CHANGE_SETTLING_JOB, CHANGE_SETTLING, CHANGE_SETTLING, () -> ChangeLog.settle(dsl));
            jobs.schedule(CHANGE_RETENTION_JOB, CHANGE_PRUNING, CHANGE_PRUNING, () -> changeRetention.pruneExpired(dsl));
            DelegatedGrants grants = new DelegatedGrants(dsl, accessTokens, revokedTokens,
                    config.get("security.refresh.token.idle").as(Duration.class).orElse(Duration.ofDays(30)));
            OrderCustomerData orderCustomerData = new OrderCustomerData(dsl, piiKeys);
            CustomerService customers = new CustomerService(dsl, piiKeys, mailSender, grants, config.get("customers"),
                    List.of(orderCustomerData));
            jobs.schedule(PERSONAL_DATA_RESEALING_JOB, Duration.ZERO, KEY_ROTATION_CHECK, () -> {
                long resealed = 0;
                int step;
                // Until no row is sealed under a retired key: customers, orders' shipping addresses, and merchants'
                // contact phones and addresses (including rows from before V16).
                while ((step = customers.reencryptPersonalData(PII_REENCRYPTION_BATCH)) > 0) {
                    resealed += step;
                }
                while ((step = orderCustomerData.resealAddresses(PII_REENCRYPTION_BATCH)) > 0) {
                    resealed += step;
                }
                while ((step = merchants.sealPersonalData(PII_REENCRYPTION_BATCH)) > 0) {
                    resealed += step;
                }
                return resealed;
            });
            jobs.schedule(EXPIRED_GRANTS_PURGE_JOB, Duration.ZERO, KEY_ROTATION_CHECK,
                    () -> grants.purgeExpired() + customers.purgeExpiredSignInFailures());
            TaxRates taxRates = TaxRates.from(config);
            CartService carts = new CartService(dsl, products, inventory, merchants, taxRates);
            OrderService orders = new OrderService(dsl, products, merchants, reservations, taxRates,
                    config.get("orders.payment.timeout").as(Duration.class).orElse(Duration.ofMinutes(30)),
                    config.get("orders.acceptance.timeout").as(Duration.class).orElse(Duration.ofDays(2)), piiKeys);
            PaymentProvider paymentProvider = PaymentProviders.from(config.get("payments"), outbound);
            PaymentService payments = new PaymentService(dsl, paymentProvider, orders,
                    config.get("payments.reconcile.after").as(Duration.class).orElse(Duration.ofMinutes(1)));
            FulfilmentService fulfilment = new FulfilmentService(dsl, reservations, payments,
                    config.get("orders.escrow.release.after.shipment").as(Duration.class).orElse(Duration.ofDays(14)),
                    piiKeys);
            jobs.schedule(PaymentService.RECONCILIATION_JOB, ORDER_JOBS_SWEEP, ORDER_JOBS_SWEEP, payments::reconcile);
            jobs.schedule(OrderService.UNPAID_EXPIRY_JOB, ORDER_JOBS_SWEEP, ORDER_JOBS_SWEEP, orders::expireUnpaid);
            jobs.schedule(FulfilmentService.ACCEPTANCE_DEADLINE_JOB, ORDER_JOBS_SWEEP, ORDER_JOBS_SWEEP,
                    fulfilment::rejectOverdue);
            jobs.schedule(FulfilmentService.ESCROW_RELEASE_JOB, ORDER_JOBS_SWEEP, ORDER_JOBS_SWEEP,
                    fulfilment::releaseEscrowOfShipped);
            EventSubscribers subscribers = new EventSubscribers(dsl, UUID.randomUUID().toString(),
                    EventSubscribers.Settings.from(config.get("events")), Metrics.globalRegistry());
            subscribers.subscribe(payments.refundSending(), jobs);
            OAuthHttpService oauth = new OAuthHttpService(clients, accessTokens, signingKeys, revokedTokens, grants,
                    rateLimits, security);

            // Filters run in this order; each is one platform rule that no handler repeats.
            HttpRouting.Builder routing = HttpRouting.builder()
                    .addFilter(new NoSniff())
                    .addFilter(new RequestIds())
                    .addFilter(new AuditTrail(dsl))
                    // CORS: customer-facing operations from configured origins only, preflights before authentication.
                    .addFilter(BrowserOrigins.from(config, routes))
                    // One operation of the document per request, from the path as sent, or 404/405 (decision 22).
                    .addFilter(new CanonicalPaths(routes))
                    .addFilter(new Authentication(accessTokens, rateLimits))
                    .addFilter(StorableText.fromClasspathDocument())
                    .addFilter(new Idempotency(dsl, IDEMPOTENCY_RETENTION, IDEMPOTENCY_LEASE))
                    // What changes listings (decision 19); checkouts' stock flips are left to the notifications' lag.
                    .addFilter(new ReadYourWrites(listingChanges, List.of(ProductHttpService.PATH,
                            MerchantHttpService.PATH, CategoryHttpService.PATH, StockHttpService.PATH,
                            LocationHttpService.PATH, ReservationHttpService.PATH)));
            errors.register(routing);
            new ContractRouting(routes, routing)
                    .register(SignInHttpService.PATH, new SignInHttpService(dsl, clients, customers, grants, rateLimits,
                            security.issuer()))
                    .register(OAuthHttpService.PATH, oauth)
                    .get(OAuthHttpService.METADATA_PATH, oauth::metadata)
                    .register(ApiClientHttpService.PATH, new ApiClientHttpService(clients))
                    .register(CategoryHttpService.PATH, new CategoryHttpService(categories))
                    .register(MerchantHttpService.PATH, new MerchantHttpService(merchants))
                    .register(ProductHttpService.PATH, new ProductHttpService(products))
                    .register(ListingHttpService.PATH, new ListingHttpService(products, listingCache))
                    .register(LocationHttpService.PATH, new LocationHttpService(inventory))
                    .register(StockHttpService.PATH, new StockHttpService(inventory))
                    .register(ReservationHttpService.PATH, new ReservationHttpService(reservations))
                    .register(CustomerHttpService.PATH, new CustomerHttpService(customers))
                    .register(CartHttpService.PATH, new CartHttpService(carts))
                    .register(OrderHttpService.PATH, new OrderHttpService(orders, fulfilment))
                    .register(PaymentHttpService.PATH, new PaymentHttpService(payments))
                    .register(SubOrderHttpService.PATH, new SubOrderHttpService(fulfilment))
                    .register(ReturnHttpService.PATH, new ReturnHttpService(new ReturnService(dsl, inventory, payments, piiKeys)))
                    .register(PaymentWebhookHttpService.PATH, new PaymentWebhookHttpService(payments))
                    .register(CarrierWebhookHttpService.PATH, new CarrierWebhookHttpService(fulfilment,
                            config.get("carriers"), Clock.systemUTC()))
                    .register(HealthHttpService.PATH, new HealthHttpService(healthChecks(database), accessTokens));

            Context serverContext = Context.create();
            serverContext.register(new RequestBodies(
                    config.get("http.body.timeout").as(Duration.class).orElse(Duration.ofSeconds(10))));
            WebServer webServer = WebServer.builder()
                    .config(config.get("server"))
                    .serverContext(serverContext)
                    .directHandlers(errors.directHandlers())
                    // The only protocol: a second (discovered) HTTP/1.1 one would make Helidon read a new connection's first
                    // bytes before its idle check can see it, leaving silent connections open.
                    .protocolsDiscoverServices(false)
                    .addProtocol(Http1Config.builder().addReceiveListener(new HeaderDeadline(
                            config.get("http.header.timeout").as(Duration.class).orElse(Duration.ofSeconds(10)))).build())
                    .addFeature(observability(config))
                    .routing(routing)
                    .build()
                    .start();
            return new MarketplaceServer(database, outbound, jobs, subscribers, paymentProvider, listingChanges, webServer);
        } catch (RuntimeException e) {
            jobs.close();
            if (listingChanges != null) {
                listingChanges.close();
            }
            outbound.close();
            database.close();
            throw e;
        }
    }

    /**
     * Generates demo data into an empty marketplace when {@code demo.data.enabled} is set (README, "Demo data");
     * a marketplace that already has merchants is left alone, so restarts with the setting on are harmless.
     */
    private static void fillWithDemoDataIfEnabled(Config demo, Database database) {
        if (!demo.get("enabled").asBoolean().orElse(false)) {
            return;
        }
        DemoData.Size size = new DemoData.Size(
                demo.get("merchants").asInt().orElse(DemoData.Size.DEFAULT.merchants()),
                demo.get("products").asInt().orElse(DemoData.Size.DEFAULT.products()),
                DemoData.Size.DEFAULT.skusPerProduct());
        long seed = demo.get("seed").asLong().orElse(1L);
        DemoData.fillIfEmpty(database.dataSource(), size, seed).ifPresentOrElse(
                summary -> LOG.log(System.Logger.Level.INFO, "demo data generated (seed " + seed + "): " + summary
                        + "; database size now " + database.dsl().fetchValue(
                                "SELECT pg_size_pretty(pg_database_size(current_database()))")),
                () -> LOG.log(System.Logger.Level.INFO,
                        "demo data not generated: the marketplace already has merchants"));
    }

    /** Metrics; health is {@link HealthHttpService}, which shows its details to the operator only. */
    private static ObserveFeature observability(Config config) {
        return ObserveFeature.builder()
                .config(config.get("server.features.observe"))
                .build();
    }

    /** Liveness: Helidon's deadlock, disk space and heap checks; readiness: the database answers. */
    private static List<HealthCheck> healthChecks(Database database) {
        List<HealthCheck> checks = new ArrayList<>(List.of(HealthChecks.healthChecks()));
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

    /** The configured payment provider, for tests that act as the provider (a charge whose answer was lost). */
    public PaymentProvider paymentProvider() {
        return paymentProvider;
    }

    /**
     * Stops taking requests, lets those in flight finish (within the grace period), stops the jobs and hands this
     * node's event subscribers to the other nodes, then closes the database.
     */
    @Override
    public void close() {
        webServer.stop();
        listingChanges.close();
        jobs.close();
        subscribers.releaseLeases();
        outbound.close();
        database.close();
    }
}
