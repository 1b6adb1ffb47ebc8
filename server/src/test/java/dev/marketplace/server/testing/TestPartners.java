package dev.marketplace.server.testing;

import dev.marketplace.sdk.model.PartnerCreate;
import java.util.UUID;

/** Registers partner platforms as the operator does (their API never called in tests that only trade stock). */
public final class TestPartners {

    /** The registered webhook secret of every partner these tests register. */
    public static final String WEBHOOK_SECRET = "whsec_cGFydG5lci13ZWJob29rLXNlY3JldC0wMQ==";

    private TestPartners() {
    }

    /** Registers an active partner with this principal id, its API at an address nothing listens on. */
    public static void register(TestServer server, UUID partnerId) {
        server.client().partners().registerPartner(new PartnerCreate().partnerId(partnerId)
                .name("Partner " + partnerId).apiBaseUrl("https://partner.invalid/api")
                .authType(PartnerCreate.AuthTypeEnum.API_KEY).secret("partner-api-key").webhookSecret(WEBHOOK_SECRET));
    }
}
