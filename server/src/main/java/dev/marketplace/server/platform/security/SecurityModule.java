package dev.marketplace.server.platform.security;

import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import org.jooq.DSLContext;

/**
 * The platform's security: the OAuth authorization server (tokens, signing keys, delegated grants), the operator
 * client, the rate limits and the keys sealing personal data. Reads {@code security.*} and {@code rate.limits.*}.
 */
public final class SecurityModule implements Module {

    public static final String SIGNING_KEY_ROTATION_JOB = "security.signing-key-rotation";
    public static final String EXPIRED_GRANTS_PURGE_JOB = "security.expired-grants-purge";
    public static final String RATE_LIMIT_PRUNE_JOB = "security.rate-limit-prune";
    /** How often each node checks whether the signing key is due for rotation (safe on many nodes: advisory lock). */
    private static final Duration KEY_ROTATION_CHECK = Duration.ofHours(1);

    private final SecuritySettings settings;
    private final SigningKeys signingKeys;
    private final AccessTokens accessTokens;
    private final RateLimits rateLimits;
    private final PiiKeys piiKeys;
    private final DelegatedGrants grants;
    private final OAuthHttpService oauth;

    /**
     * @param config the root configuration: security settings also name the data directory (generated keys)
     * @param wallClock this node's own clock, which access tokens are issued and checked by
     */
    public SecurityModule(Config config, DSLContext dsl, OutboundHttp outbound, ApiClientService clients,
                          RevokedTokens revokedTokens, Clock wallClock) {
        this.settings = SecuritySettings.from(config);
        Config security = config.get("security");
        clients.ensureOperatorClient(settings.operatorClientId(), settings.operatorClientSecret());
        this.signingKeys = new SigningKeys(dsl, settings.keyEncryption(), settings.accessTokenLifetime(), wallClock);
        signingKeys.ensureActiveKey(settings.rotateSigningKeyAfter());
        this.accessTokens = new AccessTokens(signingKeys, revokedTokens, settings, ExternalIssuers.from(security, outbound),
                wallClock);
        this.rateLimits = RateLimits.from(config, dsl);
        this.piiKeys = PiiKeys.from(security, settings.keyEncryption());
        this.grants = new DelegatedGrants(dsl, clients, accessTokens, revokedTokens,
                security.get("refresh.token.idle").as(Duration.class).get());
        this.oauth = new OAuthHttpService(clients, accessTokens, signingKeys, revokedTokens, grants, rateLimits, settings);
    }

    @Override
    public String name() {
        return "security";
    }

    public SecuritySettings settings() {
        return settings;
    }

    public AccessTokens accessTokens() {
        return accessTokens;
    }

    public RateLimits rateLimits() {
        return rateLimits;
    }

    public PiiKeys piiKeys() {
        return piiKeys;
    }

    public DelegatedGrants grants() {
        return grants;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(OAuthHttpService.PATH, oauth)
                .get(OAuthHttpService.METADATA_PATH, oauth::metadata);
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(SIGNING_KEY_ROTATION_JOB, KEY_ROTATION_CHECK, KEY_ROTATION_CHECK, () -> {
            signingKeys.ensureActiveKey(settings.rotateSigningKeyAfter());
            return 0;
        });
        jobs.schedule(EXPIRED_GRANTS_PURGE_JOB, Duration.ZERO, KEY_ROTATION_CHECK, grants::purgeExpired);
        jobs.schedule(RATE_LIMIT_PRUNE_JOB, Duration.ofMinutes(10), Duration.ofMinutes(10), rateLimits::pruneIdleBuckets);
    }
}
