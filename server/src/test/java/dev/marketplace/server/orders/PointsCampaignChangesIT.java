package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.MerchantCampaignLimits;
import dev.marketplace.sdk.model.MerchantCampaignLimitsPut;
import dev.marketplace.sdk.model.PointsCampaign;
import dev.marketplace.sdk.model.PointsCampaignCreate;
import dev.marketplace.sdk.model.PointsCampaignUpdate;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's limits on a merchant's own points campaigns through the API, and changing a campaign before and
 * while it runs (decision 42, amended): terms change only before the start, the end while it runs, nothing after.
 */
class PointsCampaignChangesIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK);

    @Test
    void theOperatorLimitsAMerchantsCampaignsWhichChangeWithinThemUntilTheyEnd() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant tea = shop.merchant("Shizuoka Tea K.K.");
        ActiveMerchant other = shop.merchant("Yame Tea K.K.");

        MerchantCampaignLimits defaults = tea.client().points().getMerchantCampaignLimits(tea.id());
        assertThat(defaults.getSource()).isEqualTo(MerchantCampaignLimits.SourceEnum.DEFAULT);
        assertThat(defaults.getMaxMultiplierBasisPoints()).isEqualTo(50_000);
        assertThat(defaults.getMaxDurationHours()).isEqualTo(7 * 24L);
        assertThat(defaults.getMaxCapPerOrder()).isEqualTo(10_000L);
        MerchantCampaignLimitsPut tighter = new MerchantCampaignLimitsPut().maxMultiplierBasisPoints(30_000)
                .maxDurationHours(48).maxCapPerOrder(500L);
        assertThatThrownBy(() -> tea.client().points().putMerchantCampaignLimits(tea.id(), tighter))
                .isInstanceOf(PermissionException.class);
        assertThatThrownBy(() -> tea.client().points().getMerchantCampaignLimits(other.id()))
                .isInstanceOf(NotFoundException.class);
        MerchantCampaignLimits set = server.client().points().putMerchantCampaignLimits(tea.id(), tighter);
        assertThat(set.getSource()).isEqualTo(MerchantCampaignLimits.SourceEnum.MERCHANT);
        assertThat(tea.client().points().getMerchantCampaignLimits(tea.id()).getMaxCapPerOrder()).isEqualTo(500L);
        assertThat(other.client().points().getMerchantCampaignLimits(other.id()).getSource())
                .as("another merchant keeps the defaults").isEqualTo(MerchantCampaignLimits.SourceEnum.DEFAULT);

        // Creating beyond the merchant's limits is refused field by field; within them it is made.
        OffsetDateTime start = OffsetDateTime.now(CLOCK).plusDays(1).truncatedTo(ChronoUnit.SECONDS);
        assertFields(() -> tea.client().points().createPointsCampaign(new PointsCampaignCreate().name("too much")
                .multiplierBasisPoints(40_000).capPerOrder(1_000L).startsAt(start).endsAt(start.plusDays(3))),
                "multiplierBasisPoints", "capPerOrder", "endsAt");
        PointsCampaign campaign = tea.client().points().createPointsCampaign(new PointsCampaignCreate()
                .name("New tea week").multiplierBasisPoints(20_000).capPerOrder(300L).startsAt(start)
                .endsAt(start.plusDays(1)));

        // Before it starts its terms change, within the limits.
        PointsCampaign raised = tea.client().points().updatePointsCampaign(campaign.getId(), new PointsCampaignUpdate()
                .multiplierBasisPoints(30_000).capPerOrder(500L).version(campaign.getVersion()));
        assertThat(raised.getMultiplierBasisPoints()).isEqualTo(30_000);
        assertThat(raised.getCapPerOrder()).isEqualTo(500L);
        assertThat(raised.getVersion()).isEqualTo(campaign.getVersion() + 1);
        assertFields(() -> tea.client().points().updatePointsCampaign(campaign.getId(), new PointsCampaignUpdate()
                .capPerOrder(501L).version(raised.getVersion())), "capPerOrder");
        assertCode(() -> tea.client().points().updatePointsCampaign(campaign.getId(), new PointsCampaignUpdate()
                .name("stale").version(campaign.getVersion())), "version_conflict");
        assertThatThrownBy(() -> other.client().points().updatePointsCampaign(campaign.getId(),
                new PointsCampaignUpdate().name("not mine").version(raised.getVersion())))
                .isInstanceOf(NotFoundException.class);

        // Running: orders may have earned by its terms, so only its name and end change, the end within the limits.
        CLOCK.advance(Duration.ofDays(1).plusHours(1));
        assertCode(() -> tea.client().points().updatePointsCampaign(campaign.getId(), new PointsCampaignUpdate()
                .capPerOrder(400L).version(raised.getVersion())), "campaign_started");
        assertFields(() -> tea.client().points().updatePointsCampaign(campaign.getId(), new PointsCampaignUpdate()
                .endsAt(start.plusHours(49)).version(raised.getVersion())), "endsAt");
        assertFields(() -> tea.client().points().updatePointsCampaign(campaign.getId(), new PointsCampaignUpdate()
                .endsAt(OffsetDateTime.now(CLOCK).minusMinutes(1)).version(raised.getVersion())), "endsAt");
        PointsCampaign extended = tea.client().points().updatePointsCampaign(campaign.getId(),
                new PointsCampaignUpdate().name("New tea days").endsAt(start.plusHours(48))
                        .version(raised.getVersion()));
        assertThat(extended.getEndsAt().toInstant()).isEqualTo(start.plusHours(48).toInstant());
        assertThat(extended.getName()).isEqualTo("New tea days");
        PointsCampaign renamed = server.client().points().updatePointsCampaign(campaign.getId(),
                new PointsCampaignUpdate().name("Shizuoka new tea days").version(extended.getVersion()));
        assertThat(renamed.getName()).as("the operator changes a merchant's campaign").isEqualTo("Shizuoka new tea days");

        // Ended (at start + 48 h): it does not change any more.
        CLOCK.advance(Duration.ofDays(2));
        assertCode(() -> tea.client().points().updatePointsCampaign(campaign.getId(), new PointsCampaignUpdate()
                .endsAt(OffsetDateTime.now(CLOCK).plusHours(1)).version(renamed.getVersion())), "campaign_ended");
    }

    private static void assertFields(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String... fields) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ValidationException.class,
                e -> assertThat(e.fieldErrors()).extracting(FieldError::getField).containsExactlyInAnyOrder(fields));
    }

    private static void assertCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MarketplaceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.of(code)));
    }
}
