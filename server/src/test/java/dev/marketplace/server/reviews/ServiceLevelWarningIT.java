package dev.marketplace.server.reviews;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.FulfilmentApi.ListSubOrderChangesParams;
import dev.marketplace.sdk.api.MerchantsApi;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantHandlingTime;
import dev.marketplace.sdk.model.MerchantStatus;
import dev.marketplace.sdk.model.MerchantSubOrder;
import dev.marketplace.sdk.model.MerchantWarnedMeasure;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.ServiceLevelMeasure;
import dev.marketplace.sdk.model.ServiceLevelReport;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.SubOrderChange;
import dev.marketplace.server.reviews.ReviewShop.Item;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 22's leftovers (decision 56): each sub-order carries the promised ship-by time from its merchant's handling
 * time (or the default), the service level "shipping" is measured against it, and a merchant missing a threshold is
 * warned on the merchant resource and in its report, with {@code merchant.warned} once, and cleared with
 * {@code merchant.warning_cleared} once back within every threshold; automatic freezing is off, so the warning alone
 * does not freeze. The service levels run on the server's movable clock, orders on real time.
 */
class ServiceLevelWarningIT {

    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(clock);

    private static ReviewShop shop;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new ReviewShop(server);
    }

    @Test
    void thePromisedShipDateDrivesTheShippingLevelAndAMissWarnsUntilTheMerchantIsBackWithin() throws Exception {
        ActiveMerchant quick = shop.merchant("Next Day Tea K.K.");
        ActiveMerchant usual = shop.merchant("Usual Pace Tea K.K.");
        Item hojicha = shop.item(quick, "Hojicha", "SL-HOJ");
        Item genmaicha = shop.item(usual, "Genmaicha", "SL-GEN");

        // The merchant promises shipment one day after payment; another merchant keeps the default (3 days).
        MerchantsApi quickMerchants = quick.client().merchants();
        Merchant promised = quickMerchants.putMerchantHandlingTime(quick.id(), new MerchantHandlingTime().days(1));
        assertThat(promised.getHandlingDays()).isEqualTo(1);
        assertThat(server.client().merchants().getMerchant(usual.id()).getHandlingDays()).isNull();
        assertThatThrownBy(() -> quickMerchants.putMerchantHandlingTime(quick.id(), new MerchantHandlingTime().days(61)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> usual.client().merchants()
                .putMerchantHandlingTime(quick.id(), new MerchantHandlingTime().days(9)))
                .as("another merchant's handling time").isInstanceOf(NotFoundException.class);

        OffsetDateTime beforePayment = OffsetDateTime.now();
        Order quickOrder = shop.paidOrder(shop.customer(UUID.randomUUID()), hojicha);
        Order usualOrder = shop.paidOrder(shop.customer(UUID.randomUUID()), genmaicha);
        OffsetDateTime afterPayment = OffsetDateTime.now();
        UUID quickSubOrder = shop.accepted(quickOrder, quick);
        UUID usualSubOrder = shop.accepted(usualOrder, usual);

        // The sub-order resource and the sub-order feed carry the promise.
        MerchantSubOrder quickView = quick.client().fulfilment().getSubOrder(quickSubOrder);
        assertThat(quickView.getShipByAt()).isBetween(beforePayment.plusDays(1), afterPayment.plusDays(1));
        assertThat(usual.client().fulfilment().getSubOrder(usualSubOrder).getShipByAt())
                .isBetween(beforePayment.plusDays(3), afterPayment.plusDays(3));
        Await.until(Duration.ofSeconds(10), "the feed shows the promise", () -> quick.client().fulfilment()
                .listSubOrderChanges(ListSubOrderChangesParams.builder().build()).getItems().stream()
                .map(SubOrderChange::getSubOrder)
                .anyMatch(s -> s.getId().equals(quickSubOrder) && quickView.getShipByAt().equals(s.getShipByAt())));

        // Two days on, neither has shipped: only the one-day promise is broken. The merchant is warned, once.
        OffsetDateTime periodStart = OffsetDateTime.now(clock).minusHours(1);
        clock.advance(Duration.ofDays(2));
        server.runJob(ReviewsModule.EVALUATION_JOB);
        server.runJob(ReviewsModule.EVALUATION_JOB);
        ServiceLevelReport quickReport = quick.client().serviceLevels().getServiceLevels(quick.id());
        assertThat(measure(quickReport, ServiceLevelMeasure.NameEnum.SHIPPING)).satisfies(m -> {
            assertThat(m.getDue()).isEqualTo(1);
            assertThat(m.getInTime()).isZero();
            assertThat(m.getMissed()).isTrue();
        });
        assertThat(quickReport.getStanding().getState().getValue()).isEqualTo("warned");
        assertThat(quickReport.getStanding().getPeriodTo()).isEqualTo(quickReport.getStanding().getEvaluatedAt());
        assertThat(quickReport.getStanding().getPeriodFrom()).isEqualTo(
                quickReport.getStanding().getEvaluatedAt().minusDays(30));
        ServiceLevelReport usualReport = server.client().serviceLevels().getServiceLevels(usual.id());
        assertThat(measure(usualReport, ServiceLevelMeasure.NameEnum.SHIPPING).getDue())
                .as("the default promise has not passed yet").isZero();
        assertThat(usualReport.getStanding().getState().getValue()).isEqualTo("good");

        Merchant warned = quickMerchants.getMerchant(quick.id());
        assertThat(warned.getStatus()).as("warned, not frozen: automatic freezing is off").isEqualTo(MerchantStatus.ACTIVE);
        assertThat(warned.getServiceLevelWarning()).isNotNull().satisfies(w -> {
            assertThat(w.getMeasures()).extracting(MerchantWarnedMeasure::getName)
                    .containsExactly(MerchantWarnedMeasure.NameEnum.SHIPPING);
            assertThat(w.getMeasures().getFirst().getShareBasisPoints()).isZero();
            assertThat(w.getTo()).isAfter(periodStart);
            assertThat(w.getFrom()).isEqualTo(w.getTo().minusDays(30));
            assertThat(w.getWarnedAt()).isEqualTo(quickReport.getStanding().getWarnedAt());
        });
        assertThat(server.client().merchants().getMerchant(usual.id()).getServiceLevelWarning()).isNull();
        assertThat(warningEventsOf(quick)).as("warned once, however often evaluated").containsExactly("merchant_warned");
        assertThat(warningEventsOf(usual)).isEmpty();

        // Shipped (by the orders' real clock, within the promise): back within every threshold, the warning clears.
        quick.client().fulfilment().shipSubOrder(quickSubOrder, new ShipmentCreate().carrier("Yamato")
                .trackingNumber("TRK-" + quickSubOrder));
        clock.advance(Duration.ofHours(1));
        server.runJob(ReviewsModule.EVALUATION_JOB);
        server.runJob(ReviewsModule.EVALUATION_JOB);
        assertThat(quickMerchants.getMerchant(quick.id()).getServiceLevelWarning()).isNull();
        assertThat(quick.client().serviceLevels().getServiceLevels(quick.id()).getStanding()
                .getState().getValue()).isEqualTo("good");
        assertThat(warningEventsOf(quick)).containsExactly("merchant_warned", "merchant_warning_cleared");
    }

    private static ServiceLevelMeasure measure(ServiceLevelReport report, ServiceLevelMeasure.NameEnum name) {
        return report.getMeasures().stream().filter(m -> m.getName() == name).findFirst().orElseThrow();
    }

    private static List<String> warningEventsOf(ActiveMerchant merchant) {
        return server.db().select(DOMAIN_EVENT.TYPE).from(DOMAIN_EVENT).where(DOMAIN_EVENT.MERCHANT_ID.eq(merchant.id()))
                .and(DOMAIN_EVENT.TYPE.like("merchant_warn%")).orderBy(DOMAIN_EVENT.ID).fetch(DOMAIN_EVENT.TYPE);
    }
}
