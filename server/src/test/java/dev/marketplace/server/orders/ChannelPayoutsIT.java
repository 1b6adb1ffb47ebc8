package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.ChannelsApi;
import dev.marketplace.sdk.model.Channel;
import dev.marketplace.sdk.model.ChannelCreate;
import dev.marketplace.sdk.model.ChannelKind;
import dev.marketplace.sdk.model.ChannelProgramme;
import dev.marketplace.sdk.model.ChannelStatement;
import dev.marketplace.sdk.model.ChannelStatementLine;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.Payout;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.ShareTier;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.server.channels.ChannelsModule;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.settlement.TestPayoutProvider;
import dev.marketplace.server.settlement.TestPayoutProvider.Behaviour;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Channel payouts (decision 43): a storefront channel's revenue share is paid through the merchants' payout run — not
 * within the hold period (T+7), then in two phases through the payout provider; a failed payout puts the money back
 * on the channel's payable and the next run pays it, never twice; a balance below the minimum waits. The channel's
 * statement shows each payout line by line and closes at its payable's balance; the ledger reconciles.
 */
class ChannelPayoutsIT {

    private static final MovableClock CLOCK = new MovableClock();
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    @RegisterExtension
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0").withClock(CLOCK);

    @Test
    void aChannelsShareIsPaidOutAfterTheHoldThroughTheSameRunAndItsStatementShowsIt() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant merchant = shop.merchant("Kyoto Incense K.K.");
        Item incense = shop.item(merchant, "CP-INC", 100_000, 100, false);
        Item matches = shop.item(merchant, "CP-MAT", 5_000, 100, false);
        ChannelsApi operator = server.client().channels();
        Channel channel = operator.createChannel(new ChannelCreate().name("Storefront P").kind(ChannelKind.STOREFRONT)
                .principalId(shop.storefrontId).programme(new ChannelProgramme().currency("JPY")
                        .period(ChannelProgramme.PeriodEnum.MONTH).fundedBy(ChannelProgramme.FundedByEnum.PLATFORM)
                        .tiers(List.of(new ShareTier().from(0L).rateBasisPoints(1500)))
                        .quarterlyGmvTarget(new Money().amount(1_000_000L).currency("JPY"))), key());
        String payable = "channel_payable:" + channel.getId();
        TestPayoutProvider provider = (TestPayoutProvider) server.module(SettlementModule.class).payoutProvider();

        deliver(shop, merchant, incense); // 100,000 of net sales: 15,000 of share
        server.catchUp(ChannelsModule.REVENUE_SHARE, SettlementModule.LEDGER_POSTING);
        assertThat(balance(payable)).isEqualTo(-15_000);

        // Within the hold period nothing is paid to the channel.
        server.runJob(SettlementModule.PAYOUT_RUN);
        assertThat(channelPayouts(channel.getId())).isEmpty();

        // After it, the run initiates the channel's payout (the provider holds it pending, the merchant's as well).
        CLOCK.advance(Duration.ofDays(8));
        provider.next(Behaviour.HOLD_PENDING, Behaviour.HOLD_PENDING);
        server.runJob(SettlementModule.PAYOUT_RUN);
        server.catchUp(SettlementModule.LEDGER_POSTING, ChannelsModule.REVENUE_SHARE);
        Payout first = channelPayouts(channel.getId()).getFirst();
        assertThat(first.getMerchantId()).isNull();
        assertThat(first.getAmount().getAmount()).isEqualTo(15_000);
        assertThat(first.getStatus()).isEqualTo(Payout.StatusEnum.INITIATED);
        assertThat(balance(payable)).isZero();

        // The provider fails it: the money goes back to the channel's payable.
        provider.settle("payout:" + first.getId(), false);
        CLOCK.advance(Duration.ofMinutes(6));
        server.runJob(SettlementModule.PAYOUT_RECONCILIATION);
        server.catchUp(SettlementModule.LEDGER_POSTING, ChannelsModule.REVENUE_SHARE);
        assertThat(server.client().settlement().getPayout(first.getId()).getFailureCode()).isEqualTo("account_closed");
        assertThat(balance(payable)).isEqualTo(-15_000);

        // The next run pays it, once.
        server.runJob(SettlementModule.PAYOUT_RUN);
        server.catchUp(SettlementModule.LEDGER_POSTING, ChannelsModule.REVENUE_SHARE);
        Payout second = channelPayouts(channel.getId()).getFirst();
        assertThat(second.getId()).isNotEqualTo(first.getId());
        assertThat(second.getStatus()).isEqualTo(Payout.StatusEnum.PAID);
        assertThat(second.getAmount().getAmount()).isEqualTo(15_000);
        assertThat(provider.timesPaid("payout:" + first.getId())).isZero();
        assertThat(provider.timesPaid("payout:" + second.getId())).isEqualTo(1);
        assertThat(balance(payable)).isZero();

        // 750 of share is below the minimum (1,000 JPY): it waits on the payable, held or not.
        deliver(shop, merchant, matches);
        server.catchUp(ChannelsModule.REVENUE_SHARE, SettlementModule.LEDGER_POSTING);
        CLOCK.advance(Duration.ofDays(8));
        server.runJob(SettlementModule.PAYOUT_RUN);
        server.catchUp(SettlementModule.LEDGER_POSTING, ChannelsModule.REVENUE_SHARE);
        assertThat(channelPayouts(channel.getId())).hasSize(2);
        assertThat(balance(payable)).isEqualTo(-750);

        // The statement of the month the sales were in: every payout a line, closing at the payable's balance.
        for (String cycle : cycles()) {
            ChannelStatement statement = operator.getChannelStatement(channel.getId(), cycle);
            long sum = statement.getLines().stream().mapToLong(line -> line.getAmount().getAmount()).sum();
            assertThat(statement.getClosingBalance().getAmount())
                    .isEqualTo(statement.getOpeningBalance().getAmount() + sum);
        }
        List<ChannelStatementLine> lines = cycles().stream()
                .flatMap(cycle -> operator.getChannelStatement(channel.getId(), cycle).getLines().stream()).toList();
        assertThat(lines).extracting(line -> line.getType().getValue(), ChannelStatementLine::getReference,
                        line -> line.getAmount().getAmount())
                .containsSubsequence(
                        org.assertj.core.groups.Tuple.tuple("payout_initiated", "payout_initiated:" + first.getId(), -15_000L),
                        org.assertj.core.groups.Tuple.tuple("payout_failed", "payout_failed:" + first.getId(), 15_000L),
                        org.assertj.core.groups.Tuple.tuple("payout_initiated", "payout_initiated:" + second.getId(), -15_000L));
        assertThat(lines.stream().mapToLong(line -> line.getAmount().getAmount()).sum()).isEqualTo(-balance(payable));
        String last = cycles().getLast();
        assertThat(operator.getChannelStatement(channel.getId(), last).getClosingBalance().getAmount()).isEqualTo(750);
        assertThat(csv("/v1/channels/" + channel.getId() + "/statements/" + last)).last().asString()
                .isEqualTo(",,closing_balance,,,,,,,750,JPY");
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }

    /** The months from the first sale to the moved clock's now (the test may cross a month end). */
    private static List<String> cycles() {
        List<String> cycles = new ArrayList<>();
        YearMonth now = YearMonth.now(CLOCK.withZone(TOKYO));
        for (YearMonth cycle = YearMonth.now(TOKYO); !cycle.isAfter(now); cycle = cycle.plusMonths(1)) {
            cycles.add(cycle.toString());
        }
        return cycles;
    }

    private static void deliver(Shop shop, ActiveMerchant merchant, Item item) throws Exception {
        UUID customer = UUID.randomUUID();
        var client = shop.customer(customer);
        Order order = client.orders().checkout(Shop.checkoutOf(shop.cartWith(client, 1, item)));
        client.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        for (SubOrder subOrder : client.orders().getOrder(order.getId()).getSubOrders()) {
            merchant.client().fulfilment().acceptSubOrder(subOrder.getId(), new StatusChangeReason());
            merchant.client().fulfilment().shipSubOrder(subOrder.getId(), new ShipmentCreate().carrier("Yamato")
                    .trackingNumber("CP-" + subOrder.getId().toString().substring(0, 8)));
            merchant.client().fulfilment().deliverSubOrder(subOrder.getId(), new StatusChangeReason());
        }
    }

    /** The channel's payouts, newest first, as the operator lists them. */
    private static List<Payout> channelPayouts(UUID channelId) {
        return server.client().settlement().listPayouts().getItems().stream()
                .filter(payout -> channelId.equals(payout.getChannelId())).toList();
    }

    private static long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .and(LEDGER_ACCOUNT.CURRENCY.eq("JPY")).fetchOptional(LEDGER_ACCOUNT.BALANCE).orElse(0L);
    }

    private static List<String> csv(String path) throws Exception {
        var client = server.client();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(client.apiClient().getBaseUri() + path))
                .header("Accept", "text/csv").GET();
        client.apiClient().getRequestInterceptor().accept(request);
        HttpResponse<String> response = client.apiClient().getHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).isEqualTo(200);
        return List.of(response.body().split("\r\n"));
    }

    private static RequestOptions key() {
        return RequestOptions.builder().idempotencyKey(UUID.randomUUID().toString()).build();
    }
}
