package dev.marketplace.server.partners;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.PartnersApi;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Exchange;
import dev.marketplace.sdk.model.ExchangeDay;
import dev.marketplace.sdk.model.ExchangeDirection;
import dev.marketplace.sdk.model.ExchangeTermsCreate;
import dev.marketplace.sdk.model.InboundExchangeCreate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.OutboundExchange;
import dev.marketplace.sdk.model.OutboundExchangeCreate;
import dev.marketplace.sdk.model.PartnerCreate;
import dev.marketplace.sdk.model.PartnerLinkCreate;
import dev.marketplace.sdk.model.PointsAdjustmentCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Through the SDK as a partner integrates: the operator registers it and sets terms; a customer signed in through
 * the partner links its member id; points go out (the partner's API, WireMock, credits them) and come in (the
 * partner's client, with its Idempotency-Key); the partner reads the exchange by its key and downloads the day's
 * reconciliation file; another partner sees none of it.
 */
class PartnerExchangeSdkIT {

    private static final WireMockServer partnerApi = LoopbackWireMock.started();
    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer()
            .withClock(clock)
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32");

    @AfterAll
    static void stop() {
        partnerApi.stop();
    }

    @Test
    void aPartnerLinksExchangesBothWaysAndDownloadsTheDay() throws Exception {
        partnerApi.stubFor(post(urlEqualTo("/points/credits")).willReturn(aResponse().withStatus(201)));
        UUID partnerId = UUID.randomUUID();
        TestCustomers customers = new TestCustomers(server);
        TestCustomers.SignInClient storefront = customers.storefront("Storefront", "https://shop.example/cb");
        ClientCredentials created = server.client().clients().createClient(new ClientCreate().name("Partner")
                .principalType(PrincipalType.PARTNER).principalId(partnerId)
                .scopes(List.of(Scope.POINTS_EXCHANGE, Scope.POINTS_READ, Scope.PARTNERS_READ))
                .redirectUris(List.of("https://partner.example/cb")));
        TestCustomers.SignInClient partnerSignIn = new TestCustomers.SignInClient(created.getClient().getClientId(),
                created.getClientSecret(), "https://partner.example/cb", null);
        MarketplaceClient partnerSdk = server.clientWithToken(server.token(partnerSignIn.clientId(), partnerSignIn.secret()));
        PartnersApi operator = server.client().partners();
        operator.registerPartner(new PartnerCreate().partnerId(partnerId).name("Partner programme")
                .apiBaseUrl(partnerApi.baseUrl()).authType(PartnerCreate.AuthTypeEnum.API_KEY)
                .secret("partner-api-key").webhookSecret("whsec_cGFydG5lci13ZWJob29rLXNlY3JldC0wMQ=="));
        OffsetDateTime from = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).plusSeconds(1);
        for (ExchangeDirection direction : ExchangeDirection.values()) {
            operator.setExchangeTerms(partnerId, new ExchangeTermsCreate().direction(direction).effectiveFrom(from)
                    .rateNumerator(1L).rateDenominator(direction == ExchangeDirection.OUTBOUND ? 1L : 2L).minimum(10L)
                    .step(10L).customerDailyCap(100_000L).customerMonthlyCap(1_000_000L).globalDailyCap(10_000_000L)
                    .settlementPrice(new Money().amount(1L).currency("JPY")));
        }
        clock.advance(Duration.ofSeconds(2));

        String email = "partner-member-" + UUID.randomUUID() + "@example.com";
        UUID customer = customers.registerVerified(storefront, email);
        server.client().points().adjustPoints(new PointsAdjustmentCreate().customerId(customer)
                .points(5_000L).reason("welcome"));
        String customerToken = customers.signIn(partnerSignIn, email, "points:exchange points:read").accessToken();
        PartnersApi asCustomer = server.clientWithToken(customerToken).partners();
        asCustomer.linkPartnerMember(new PartnerLinkCreate().partnerId(partnerId).memberId("TP-0001"));
        assertThat(asCustomer.listPartnerLinks().getItems()).singleElement()
                .satisfies(link -> assertThat(link.getMemberId()).isEqualTo("TP-0001"));

        OutboundExchange out = asCustomer.exchangePointsOut(new OutboundExchangeCreate().partnerId(partnerId)
                .points(1_000L));
        assertThat(out.getExchange().getState()).isEqualTo(Exchange.StateEnum.COMPLETED);

        PartnersApi asPartner = partnerSdk.partners();
        Exchange in = asPartner.exchangePointsIn(new InboundExchangeCreate().memberId("TP-0001").partnerPoints(600L),
                RequestOptions.builder().idempotencyKey("tp-credit-0001").build());
        assertThat(in.getPoints()).isEqualTo(300L);
        assertThat(asPartner.getInboundExchange("tp-credit-0001").getId()).isEqualTo(in.getId());
        assertThat(server.clientWithToken(customerToken).points().getPointsBalance().getAvailable())
                .isEqualTo(5_000L - 1_000L + 300L);

        ExchangeDay day = asPartner.getExchangeDay(partnerId, OffsetDateTime.now(clock).withOffsetSameInstant(
                ZoneOffset.UTC).toLocalDate());
        assertThat(day.getItems()).extracting(Exchange::getReference)
                .containsExactlyInAnyOrder(out.getExchange().getReference(), "tp-credit-0001");

        UUID otherPartner = UUID.randomUUID();
        ClientCredentials other = server.client().clients().createClient(new ClientCreate().name("Other partner")
                .principalType(PrincipalType.PARTNER).principalId(otherPartner)
                .scopes(List.of(Scope.POINTS_EXCHANGE, Scope.PARTNERS_READ)));
        PartnersApi asOther = server.clientWithToken(server.token(other.getClient().getClientId(),
                other.getClientSecret())).partners();
        assertThatThrownBy(() -> asOther.getExchangeDay(partnerId, day.getDate()))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> asOther.getInboundExchange("tp-credit-0001"))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> assertThat(e.status()).isEqualTo(404));
    }
}
