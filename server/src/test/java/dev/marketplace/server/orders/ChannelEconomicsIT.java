package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_ENTRY;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.ChannelsApi;
import dev.marketplace.sdk.model.Channel;
import dev.marketplace.sdk.model.ChannelCodeCreate;
import dev.marketplace.sdk.model.ChannelCreate;
import dev.marketplace.sdk.model.ChannelDepositCreate;
import dev.marketplace.sdk.model.ChannelDepositDrawCreate;
import dev.marketplace.sdk.model.ChannelKind;
import dev.marketplace.sdk.model.ChannelOrder;
import dev.marketplace.sdk.model.ChannelProgramme;
import dev.marketplace.sdk.model.ChannelScorecard;
import dev.marketplace.sdk.model.ChannelStatement;
import dev.marketplace.sdk.model.ChannelStatementLine;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ReturnReceipt;
import dev.marketplace.sdk.model.ReturnRefund;
import dev.marketplace.sdk.model.ScorecardMeasure;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ServiceResponseCreate;
import dev.marketplace.sdk.model.ShareTier;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.server.channels.ChannelsModule;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 24's check (decision 41): two storefronts and a media partner with a code sell through the same two merchants
 * in one month, through the API. Storefront A's net sales cross the 1,000,000 JPY tier in the middle of a sub-order;
 * storefront B's share is paid by the merchants, A's and the media channel's by the platform's commission; the code
 * wins over the storefront that placed the order. Each channel's statement shows its share line by line at the tier
 * an independent computation (below) puts it in; a return reverses its part; the deposit is withheld and drawn on;
 * every channel's payable and reserve in the ledger equal its statement and deposit, the ledger reconciles; the
 * quarterly scorecards equal a computation from the same orders; each channel sees its own and nothing else. The
 * moved clock closes the month: its statement does not change and the next opens at its closing.
 */
class ChannelEconomicsIT {

    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    private static final long TIER = 1_000_000;
    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    // The payables pinned here are the channels' only; points earning (decision 35) is off.
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0").withClock(CLOCK);

    /** A released sub-order as the test saw it: its channel, net sales (subtotal) and what its customer paid. */
    record Sale(UUID channel, UUID orderId, UUID subOrderId, UUID customer, long net, long total) {
    }

    @Test
    void eachChannelIsPaidItsTieredShareOfWhatItBroughtAndScoredOnIt() throws Exception {
        // The channels keep time by the clock: the test starts on the third day of next month (Tokyo), so no month
        // or quarter ends while it runs, whenever it runs.
        YearMonth start = YearMonth.now(CLOCK.withZone(TOKYO)).plusMonths(1);
        CLOCK.advance(Duration.between(OffsetDateTime.now(CLOCK), start.atDay(3).atStartOfDay(TOKYO)));
        Shop a = new Shop(server, 1_000);
        Shop b = new Shop(server, 1_000);
        ActiveMerchant tea = a.merchant("Uji Tea K.K.");
        ActiveMerchant pottery = a.merchant("Hasami Pottery K.K.");
        Item sencha = a.item(tea, "CH-SEN", 100_000, 100, true);
        Item bowl = a.item(pottery, "CH-BOWL", 150_000, 100, false);
        MERCHANTS.put(tea.id(), tea);
        MERCHANTS.put(pottery.id(), pottery);
        UUID partnerId = UUID.randomUUID();
        ChannelsApi operator = server.client().channels();
        Channel storefrontA = operator.createChannel(channel("Storefront A", ChannelKind.STOREFRONT, a.storefrontId,
                ChannelProgramme.FundedByEnum.PLATFORM), key());
        Channel storefrontB = operator.createChannel(channel("Storefront B", ChannelKind.STOREFRONT, b.storefrontId,
                ChannelProgramme.FundedByEnum.MERCHANT), key());
        Channel media = operator.createChannel(channel("Sakura creators", ChannelKind.MEDIA, partnerId,
                ChannelProgramme.FundedByEnum.PLATFORM), key());
        operator.createChannelCode(media.getId(), new ChannelCodeCreate().code("SAKURA10"), key());
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> operator.createChannelCode(
                storefrontA.getId(), new ChannelCodeCreate().code("sakura10"), key())).code())
                .isEqualTo(ErrorCode.CHANNEL_CODE_TAKEN);

        UUID a1 = UUID.randomUUID();
        UUID a2 = UUID.randomUUID();
        UUID m1 = UUID.randomUUID();
        List<Sale> released = new ArrayList<>();
        // Storefront A: 250,000 then 500,000 then 500,000 of net sales; the last pottery sub-order spans the tier.
        deliverAll(place(a, a1, 1, null, sencha, bowl), storefrontA.getId(), a1, released, null);
        deliverAll(place(a, a2, 2, null, sencha, bowl), storefrontA.getId(), a2, released, null);
        Order returned = place(a, a1, 2, null, sencha, bowl);
        deliverAll(returned, storefrontA.getId(), a1, released, null);
        // Storefront B: its own customer's order, and one whose shopper came with the media channel's code.
        UUID b1 = UUID.randomUUID();
        deliverAll(place(b, b1, 1, null, sencha, bowl), storefrontB.getId(), b1, released, null);
        deliverAll(place(b, m1, 1, "SAKURA10", sencha, bowl), media.getId(), m1, released, null);
        // The same shopper again through storefront A with the code in lower case; pottery rejects its part.
        deliverAll(place(a, m1, 1, "sakura10", sencha, bowl), media.getId(), m1, released, pottery);
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> a.customer(a1).orders().checkout(
                Shop.checkoutOf(a.cartWith(a.customer(a1), 1, sencha)).channelCode("NOSUCHCODE"))).code())
                .isEqualTo(ErrorCode.VALIDATION_FAILED);

        // One unit of the tea sub-order at 12 % comes back: half its share is reversed.
        UUID teaPart = subOrderOf(returned, tea);
        OrderReturn requested = a.customer(a1).returns().requestReturn(returned.getId(), new ReturnCreate()
                .subOrderId(teaPart).reason("too bitter").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        tea.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        tea.client().returns().receiveReturn(requested.getId(), new ReturnReceipt());
        tea.client().returns().refundReturn(requested.getId(), new ReturnRefund());
        a.awaitRefundsSent(returned.getId());
        // A statement line is dated when the subscriber handles its event: the reversal is in before the deposit.
        server.catchUp(ChannelsModule.REVENUE_SHARE);

        // A's deposit: recorded, drawn on by a decision with its reason, never overdrawn.
        operator.recordChannelDeposit(storefrontA.getId(), new ChannelDepositCreate().reference("BT-2026-001")
                .amount(yen(100_000)), key());
        var draw = operator.drawChannelDeposit(storefrontA.getId(), new ChannelDepositDrawCreate().amount(yen(30_000))
                .reason("chargebacks on orders the storefront let through"), key());
        assertThat(draw.getHeldAfter().getAmount()).isEqualTo(70_000);
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> operator.drawChannelDeposit(
                storefrontA.getId(), new ChannelDepositDrawCreate().amount(yen(70_001)).reason("too much"), key())).code())
                .isEqualTo(ErrorCode.DEPOSIT_INSUFFICIENT);
        // A's service tickets: two of three answered within 24 hours.
        OffsetDateTime now = OffsetDateTime.now(CLOCK).withNano(0);
        long[] answeredAfterHours = {2, 23, 30};
        for (int i = 0; i < answeredAfterHours.length; i++) {
            operator.recordChannelServiceResponse(storefrontA.getId(), new ServiceResponseCreate().reference("T-" + i)
                    .raisedAt(now.minusHours(31)).answeredAt(now.minusHours(31).plusHours(answeredAfterHours[i])), key());
        }
        server.catchUp(ChannelsModule.REVENUE_SHARE, SettlementModule.LEDGER_POSTING);

        String cycle = YearMonth.now(CLOCK.withZone(TOKYO)).toString();
        Map<UUID, List<Sale>> byChannel = new LinkedHashMap<>();
        released.forEach(sale -> byChannel.computeIfAbsent(sale.channel(), c -> new ArrayList<>()).add(sale));
        long refund = 108_000; // one unit of sencha with its 8 % tax
        for (Channel channel : List.of(storefrontA, storefrontB, media)) {
            ChannelStatement statement = operator.getChannelStatement(channel.getId(), cycle);
            List<Line> expected = expectedLines(byChannel.get(channel.getId()));
            if (channel == storefrontA) {
                Sale teaSale = released.stream().filter(s -> s.subOrderId().equals(teaPart)).findFirst().orElseThrow();
                long share = expected.stream().filter(l -> l.subOrderId().equals(teaPart)).mapToLong(Line::amount).sum();
                expected.add(new Line("share_reversed", teaPart, null, null, -teaSale.net() * refund / teaSale.total(),
                        -share * refund / teaSale.total()));
                expected.add(new Line("deposit_recorded", null, null, null, null, -100_000));
            }
            assertThat(statement.getLines()).as(channel.getName()).extracting(ChannelEconomicsIT::line)
                    .containsExactlyElementsOf(expected);
            long sum = expected.stream().mapToLong(Line::amount).sum();
            assertThat(statement.getOpeningBalance().getAmount()).isZero();
            assertThat(statement.getClosingBalance().getAmount()).isEqualTo(sum)
                    .isEqualTo(-balance("channel_payable:" + channel.getId()));
            assertThat(statement.getStatus()).isEqualTo(ChannelStatement.StatusEnum.OPEN);
            assertThat(csv(server.client(), "/v1/channels/" + channel.getId() + "/statements/" + cycle))
                    .containsExactlyElementsOf(csvOf(statement));
        }
        // A crossed the tier inside its third order's first sub-order: 1,000,000 at 15 %, the rest at 12 %.
        List<ChannelStatementLine> accrued = operator.getChannelStatement(storefrontA.getId(), cycle).getLines().stream()
                .filter(l -> l.getType() == ChannelStatementLine.TypeEnum.SHARE_ACCRUED).toList();
        assertThat(accrued.stream().filter(l -> l.getTierFrom() == 0).mapToLong(ChannelStatementLine::getBase).sum())
                .isEqualTo(TIER);
        assertThat(accrued).filteredOn(l -> l.getTierFrom() == TIER).isNotEmpty()
                .allSatisfy(l -> assertThat(l.getRateBasisPoints()).isEqualTo(1200));
        assertThat(accrued.stream().filter(l -> l.getTierFrom() == TIER).findFirst().orElseThrow().getSubOrderId())
                .as("the sub-order that crossed the tier has a line on each side")
                .isEqualTo(accrued.stream().filter(l -> l.getTierFrom() == 0).reduce((x, y) -> y).orElseThrow()
                        .getSubOrderId());

        // The ledger: the deposit and its draw; B's share charged to the merchants, the others' to commission.
        assertThat(balance("channel_reserve:" + storefrontA.getId())).isEqualTo(-70_000);
        assertThat(balance("channel_deposit_draws")).isEqualTo(-30_000);
        long bShare = expectedLines(byChannel.get(storefrontB.getId())).stream().mapToLong(Line::amount).sum();
        assertThat(channelShareOn("merchant_payable:%")).isEqualTo(bShare);
        assertThat(channelShareOn("platform_commission_revenue"))
                .isEqualTo(-balance("channel_payable:" + storefrontA.getId()) + 100_000
                        - balance("channel_payable:" + media.getId()));
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();

        // Each channel sees its own attributed orders and nothing else; the code won over storefront B.
        ChannelsApi asA = channelReader(PrincipalType.STOREFRONT, a.storefrontId);
        ChannelsApi asB = channelReader(PrincipalType.STOREFRONT, b.storefrontId);
        ChannelsApi asMedia = channelReader(PrincipalType.PARTNER, partnerId);
        assertThat(asA.listChannelOrders(storefrontA.getId()).getItems()).hasSize(3)
                .allSatisfy(o -> assertThat(o.getAttributedBy()).isEqualTo(ChannelOrder.AttributedByEnum.CLIENT))
                .allSatisfy(o -> assertThat(o.getCustomerId()).isNull());
        assertThat(asB.listChannelOrders(storefrontB.getId()).getItems()).hasSize(1);
        assertThat(asMedia.listChannelOrders(media.getId()).getItems())
                .extracting(ChannelOrder::getAttributedBy, ChannelOrder::getCode, ChannelOrder::getPlacedById)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(ChannelOrder.AttributedByEnum.CODE, "sakura10", a.storefrontId),
                        org.assertj.core.groups.Tuple.tuple(ChannelOrder.AttributedByEnum.CODE, "SAKURA10", b.storefrontId));
        for (var other : List.of(storefrontB, media)) {
            assertThat(catchThrowableOfType(MarketplaceException.NotFoundException.class,
                    () -> asA.getChannelStatement(other.getId(), cycle))).isNotNull();
            assertThat(catchThrowableOfType(MarketplaceException.NotFoundException.class,
                    () -> asA.listChannelOrders(other.getId()))).isNotNull();
        }
        assertThat(catchThrowableOfType(MarketplaceException.NotFoundException.class,
                () -> asMedia.getChannelScorecard(storefrontA.getId(), quarter()))).isNotNull();
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> asA.recordChannelDeposit(storefrontA.getId(),
                new ChannelDepositCreate().reference("self").amount(yen(1)), key())).status()).isEqualTo(403);

        // The quarter's scorecards against a computation from the same orders.
        Map<UUID, Long> paidBy = new HashMap<>();
        released.forEach(s -> paidBy.merge(s.subOrderId(), s.total(), Long::sum));
        for (Channel channel : List.of(storefrontA, storefrontB, media)) {
            ChannelScorecard card = (channel == storefrontA ? asA : channel == storefrontB ? asB : asMedia)
                    .getChannelScorecard(channel.getId(), quarter());
            List<Sale> sales = byChannel.get(channel.getId());
            long gmv = sales.stream().mapToLong(Sale::net).sum();
            long paid = sales.stream().mapToLong(Sale::total).sum();
            long refunded = channel == storefrontA ? refund : 0;
            Map<UUID, Long> ordersPerCustomer = new HashMap<>();
            sales.stream().map(s -> Map.entry(s.orderId(), s.customer())).distinct()
                    .forEach(e -> ordersPerCustomer.merge(e.getValue(), 1L, Long::sum));
            long repeat = ordersPerCustomer.values().stream().filter(n -> n >= 2).count() * 10_000 / ordersPerCustomer.size();
            long returnRate = refunded * 10_000 / paid;
            long service = channel == storefrontA ? 2 * 10_000 / 3 : 0;
            Map<String, long[]> expected = Map.of( // name → actual, achievement
                    "gmv", new long[] {gmv, Math.min(10_000, gmv * 10_000 / 2_000_000)},
                    "repeat_purchase_rate", new long[] {repeat, Math.min(10_000, repeat * 10_000 / 3_000)},
                    "return_rate", new long[] {returnRate, returnRate <= 500 ? 10_000 : 500 * 10_000 / returnRate},
                    "service_response", new long[] {service, Math.min(10_000, service * 10_000 / 9_000)});
            Map<String, Long> weights = Map.of("gmv", 4_000L, "repeat_purchase_rate", 2_500L, "return_rate", 2_000L,
                    "service_response", 1_500L);
            long score = 0;
            for (ScorecardMeasure measure : card.getMeasures()) {
                String name = measure.getName().getValue();
                assertThat(new long[] {measure.getActual(), measure.getAchievementBasisPoints()}).as(channel.getName()
                        + " " + name).containsExactly(expected.get(name));
                long points = weights.get(name) * expected.get(name)[1] / 10_000;
                assertThat(measure.getPoints()).isEqualTo((int) points);
                score += points;
            }
            assertThat(card.getScore()).isEqualTo((int) score);
            assertThat(card.getMeasures().stream().filter(m -> m.getName() == ScorecardMeasure.NameEnum.GMV)
                    .findFirst().orElseThrow().getSources()).extracting(s -> UUID.fromString(s.getId()))
                    .containsExactlyInAnyOrderElementsOf(sales.stream().map(Sale::subOrderId).toList());
        }

        // The month ends (moved clock): its statement is closed and unchanged; the next opens at its closing.
        ChannelStatement before = operator.getChannelStatement(storefrontA.getId(), cycle);
        YearMonth next = YearMonth.parse(cycle).plusMonths(1);
        CLOCK.advance(Duration.between(OffsetDateTime.now(CLOCK), next.atDay(1).atStartOfDay(TOKYO)).plusMinutes(1));
        ChannelStatement closed = operator.getChannelStatement(storefrontA.getId(), cycle);
        assertThat(closed.getStatus()).isEqualTo(ChannelStatement.StatusEnum.CLOSED);
        assertThat(closed.getLines()).isEqualTo(before.getLines());
        ChannelStatement opened = operator.getChannelStatement(storefrontA.getId(), next.toString());
        assertThat(opened.getOpeningBalance()).isEqualTo(closed.getClosingBalance());
        assertThat(opened.getLines()).isEmpty();
    }

    /** A line as compared: type, sub-order, tier, rate, base, amount. */
    record Line(String type, UUID subOrderId, Long tierFrom, Integer rate, Long base, long amount) {
    }

    private static Line line(ChannelStatementLine line) {
        return new Line(line.getType().getValue(), line.getSubOrderId(), line.getTierFrom(), line.getRateBasisPoints(),
                line.getBase(), line.getAmount().getAmount());
    }

    /**
     * The independent computation: the channel's released sub-orders in release order climb 15 % to 1,000,000 JPY
     * and 12 % from there; each part of a sub-order on either side of the threshold is its own line, rounded half-even
     * (every figure here is whole).
     */
    private static List<Line> expectedLines(List<Sale> sales) {
        List<Line> lines = new ArrayList<>();
        long climbed = 0;
        for (Sale sale : sales) {
            long below = Math.max(0, Math.min(sale.net(), TIER - climbed));
            if (below > 0) {
                lines.add(new Line("share_accrued", sale.subOrderId(), 0L, 1500, below, below * 1500 / 10_000));
            }
            if (sale.net() > below) {
                long above = sale.net() - below;
                lines.add(new Line("share_accrued", sale.subOrderId(), TIER, 1200, above, above * 1200 / 10_000));
            }
            climbed += sale.net();
        }
        return lines;
    }

    private static ChannelCreate channel(String name, ChannelKind kind, UUID principal,
                                         ChannelProgramme.FundedByEnum fundedBy) {
        return new ChannelCreate().name(name).kind(kind).principalId(principal).programme(new ChannelProgramme()
                .currency("JPY").period(ChannelProgramme.PeriodEnum.MONTH).fundedBy(fundedBy)
                .tiers(List.of(new ShareTier().from(0L).rateBasisPoints(1500),
                        new ShareTier().from(TIER).rateBasisPoints(1200),
                        new ShareTier().from(5_000_000L).rateBasisPoints(1000)))
                .quarterlyGmvTarget(yen(2_000_000)));
    }

    /** Checks out, through the shop's storefront for {@code customer}, {@code quantity} of each item, and pays. */
    private static Order place(Shop shop, UUID customer, int quantity, String code, Item... items) throws Exception {
        MarketplaceClient client = shop.customer(customer);
        OrderCreate checkout = Shop.checkoutOf(shop.cartWith(client, quantity, items));
        Order order = client.orders().checkout(code == null ? checkout : checkout.channelCode(code));
        client.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return client.orders().getOrder(order.getId());
    }

    /** Each sub-order accepted, shipped and delivered (escrow released) in order, except the rejecting merchant's. */
    private static void deliverAll(Order order, UUID channel, UUID customer, List<Sale> released,
                                   ActiveMerchant rejecting) throws Exception {
        for (SubOrder subOrder : order.getSubOrders()) {
            ActiveMerchant merchant = merchantOf(subOrder);
            if (rejecting != null && rejecting.id().equals(subOrder.getMerchantId())) {
                merchant.client().fulfilment().rejectSubOrder(subOrder.getId(), new Rejection().reason("chipped"));
                continue;
            }
            merchant.client().fulfilment().acceptSubOrder(subOrder.getId(), new StatusChangeReason());
            merchant.client().fulfilment().shipSubOrder(subOrder.getId(), new ShipmentCreate().carrier("Yamato")
                    .trackingNumber("CH-" + subOrder.getId().toString().substring(0, 8)));
            merchant.client().fulfilment().deliverSubOrder(subOrder.getId(), new StatusChangeReason());
            released.add(new Sale(channel, order.getId(), subOrder.getId(), customer, subOrder.getSubtotal().getAmount(),
                    subOrder.getTotal().getAmount()));
        }
    }

    private static final Map<UUID, ActiveMerchant> MERCHANTS = new HashMap<>();

    private static ActiveMerchant merchantOf(SubOrder subOrder) {
        return MERCHANTS.get(subOrder.getMerchantId());
    }

    private static UUID subOrderOf(Order order, ActiveMerchant merchant) {
        return order.getSubOrders().stream().filter(s -> s.getMerchantId().equals(merchant.id())).findFirst()
                .orElseThrow().getId();
    }

    /** A client of the storefront or partner principal holding channels:read. */
    private static ChannelsApi channelReader(PrincipalType type, UUID principal) throws Exception {
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Channel reader")
                .principalType(type).principalId(principal).scopes(List.of(Scope.CHANNELS_READ)));
        return server.clientWithToken(server.token(credentials.getClient().getClientId(),
                credentials.getClientSecret())).channels();
    }

    private static String quarter() {
        LocalDate today = LocalDate.now(CLOCK.withZone(TOKYO));
        return today.getYear() + "-Q" + today.get(IsoFields.QUARTER_OF_YEAR);
    }

    private static long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .and(LEDGER_ACCOUNT.CURRENCY.eq("JPY")).fetchOptional(LEDGER_ACCOUNT.BALANCE).orElse(0L);
    }

    /** Σ the channel share events' entries on the accounts named like {@code pattern} (debits positive). */
    private static long channelShareOn(String pattern) {
        return server.db().select(DSL.coalesce(DSL.sum(LEDGER_ENTRY.AMOUNT).cast(SQLDataType.BIGINT), DSL.inline(0L)))
                .from(LEDGER_ENTRY).join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.ID.eq(LEDGER_ENTRY.TRANSACTION_ID))
                .join(LEDGER_ACCOUNT).on(LEDGER_ACCOUNT.ID.eq(LEDGER_ENTRY.ACCOUNT_ID))
                .where(LEDGER_ACCOUNT.NAME.like(pattern))
                .and(LEDGER_TRANSACTION.EVENT_TYPE.in(EventType.CHANNEL_SHARE_ACCRUED.wireName(),
                        EventType.CHANNEL_SHARE_REVERSED.wireName()))
                .fetchSingle().value1();
    }

    private static Money yen(long amount) {
        return new Money().amount(amount).currency("JPY");
    }

    private static RequestOptions key() {
        return RequestOptions.builder().idempotencyKey(UUID.randomUUID().toString()).build();
    }

    private static List<String> csvOf(ChannelStatement statement) {
        List<String> rows = new ArrayList<>();
        rows.add("line,occurred_at,type,reference,order_id,sub_order_id,tier_from,rate_basis_points,base,amount,currency");
        rows.add(",,opening_balance,,,,,,," + statement.getOpeningBalance().getAmount() + ",JPY");
        Function<Object, String> text = value -> value == null ? "" : value.toString();
        statement.getLines().forEach(line -> rows.add(String.join(",", line.getLine().toString(),
                line.getOccurredAt().withOffsetSameInstant(ZoneOffset.UTC).toString(), line.getType().getValue(),
                line.getReference(), text.apply(line.getOrderId()), text.apply(line.getSubOrderId()),
                text.apply(line.getTierFrom()), text.apply(line.getRateBasisPoints()), text.apply(line.getBase()),
                Long.toString(line.getAmount().getAmount()), "JPY")));
        rows.add(",,closing_balance,,,,,,," + statement.getClosingBalance().getAmount() + ",JPY");
        return rows;
    }

    /** The statement as CSV through the SDK's own HTTP client and credentials. */
    private static List<String> csv(MarketplaceClient client, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(client.apiClient().getBaseUri() + path))
                .header("Accept", "text/csv").GET();
        client.apiClient().getRequestInterceptor().accept(request);
        HttpResponse<String> response = client.apiClient().getHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).isEqualTo(200);
        return List.of(response.body().split("\r\n"));
    }
}
