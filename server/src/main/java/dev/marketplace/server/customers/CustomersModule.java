package dev.marketplace.server.customers;

import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.security.DelegatedGrants;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.RateLimits;
import io.helidon.config.Config;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Customers' accounts and the hosted sign-in pages (authorization code flow). Built after the domains that hold
 * customers' personal data ({@link CustomerDataHolder}s), which it erases and exports with the account. Reads
 * {@code customers.*}.
 */
public final class CustomersModule implements Module {

    public static final String SIGN_IN_FAILURES_PURGE_JOB = "customers.sign-in-failures-purge";
    private static final Duration PURGE_EVERY = Duration.ofHours(1);

    private final CustomerService customers;
    private final SignInHttpService signIn;

    public CustomersModule(Config config, DSLContext dsl, PiiKeys piiKeys, MailSender mailSender,
                           DelegatedGrants grants, ApiClientService clients, RateLimits rateLimits, String issuer,
                           List<CustomerDataHolder> dataHolders) {
        this.customers = new CustomerService(dsl, piiKeys, mailSender, grants, config, dataHolders);
        this.signIn = new SignInHttpService(new AuthorizationRequests(dsl), clients, customers, grants, rateLimits, issuer);
    }

    @Override
    public String name() {
        return "customers";
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(SignInHttpService.PATH, signIn)
                .register(CustomerHttpService.PATH, new CustomerHttpService(customers));
    }

    @Override
    public void jobs(Jobs jobs) {
        PiiKeys.resealingJob(jobs, name(), customers::reencryptPersonalData);
        jobs.schedule(SIGN_IN_FAILURES_PURGE_JOB, Duration.ZERO, PURGE_EVERY, customers::purgeExpiredSignInFailures);
    }
}
