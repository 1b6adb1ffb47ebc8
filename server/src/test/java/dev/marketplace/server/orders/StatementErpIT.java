package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.SUB_ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.SettlementApi;
import dev.marketplace.sdk.api.SettlementApi.GetStatementParams;
import dev.marketplace.sdk.model.Adjustment;
import dev.marketplace.sdk.model.AdjustmentCreate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.Statement;
import dev.marketplace.sdk.model.StatementLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * As an ERP would, through the generated SDK: a merchant whose orders were checked out, paid, shipped and delivered
 * (and one rejected) through the API downloads its statement for the month as JSON pages and as CSV. Every line is
 * an order it shipped (its release and its commission, to the unit of the sub-order's own figures) or the operator's
 * adjustment; the two formats agree line by line; closing = opening + Σ lines = the ledger's balance; another
 * merchant cannot read it.
 */
class StatementErpIT {

    @RegisterExtension
    // The payable pinned here is commission and refunds only; points earning (decision 35) is off.
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    @Test
    void aMerchantDownloadsItsStatementAsJsonAndCsvAndEveryLineIsAnOrderItShipped() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant tea = shop.merchant("Kyoto Tea Co., Ltd.");
        ActiveMerchant pottery = shop.merchant("Arita Pottery K.K.");
        Item sencha = shop.item(tea, "S-SEN", 1_234, 500, true);
        Item cup = shop.item(pottery, "S-CUP", 3_333, 500, false);
        Set<UUID> shippedByTea = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            MarketplaceClient customer = shop.customer(UUID.randomUUID());
            Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1 + i % 3, sencha, cup)));
            customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
            for (var subOrder : customer.orders().getOrder(order.getId()).getSubOrders()) {
                boolean teas = subOrder.getMerchantId().equals(tea.id());
                var fulfilment = (teas ? tea : pottery).client().fulfilment();
                if (teas && i == 4) {
                    fulfilment.rejectSubOrder(subOrder.getId(), new Rejection().reason("out of stock"));
                    continue;
                }
                fulfilment.acceptSubOrder(subOrder.getId(), new StatusChangeReason());
                fulfilment.shipSubOrder(subOrder.getId(), new ShipmentCreate().carrier("Yamato")
                        .trackingNumber("S-" + i + "-" + subOrder.getId().toString().substring(0, 8)));
                fulfilment.deliverSubOrder(subOrder.getId(), new StatusChangeReason());
                if (teas) {
                    shippedByTea.add(subOrder.getId());
                }
            }
            shop.awaitRefundsSent(order.getId());
        }
        Adjustment goodwill = server.client().settlement().createAdjustment(new AdjustmentCreate()
                .merchantId(tea.id()).direction(AdjustmentCreate.DirectionEnum.CREDIT)
                .amount(new Money().amount(500L).currency("JPY")).reason("Goodwill: late carrier pickup"),
                RequestOptions.builder().idempotencyKey("adj-" + UUID.randomUUID()).build());
        postEverything();

        SettlementApi erp = tea.client().settlement();
        String cycle = YearMonth.now(ZoneOffset.UTC).toString();
        List<StatementLine> lines = new ArrayList<>();
        Statement first = erp.getStatement(cycle, GetStatementParams.builder().currency("JPY").limit(3).build());
        Statement page = first;
        lines.addAll(page.getLines());
        while (page.getNextCursor() != null) {
            page = erp.getStatement(cycle, GetStatementParams.builder().currency("JPY").limit(3)
                    .cursor(page.getNextCursor()).build());
            lines.addAll(page.getLines());
        }

        assertThat(first.getStatus()).isEqualTo(Statement.StatusEnum.OPEN);
        assertThat(first.getMerchantId()).isEqualTo(tea.id());
        assertThat(lines).hasSize(first.getLineCount().intValue()).hasSize(2 * shippedByTea.size() + 1);
        Map<UUID, long[]> figures = new HashMap<>(); // sub-order → {total, commission}
        server.db().selectFrom(SUB_ORDER).where(SUB_ORDER.ID.in(shippedByTea)).forEach(row ->
                figures.put(row.getId(), new long[] {row.getTotalAmount(), row.getCommissionAmount()}));
        long sum = 0;
        for (StatementLine line : lines) {
            sum += line.getAmount().getAmount();
            switch (line.getType()) {
                case "escrow_released" -> {
                    assertThat(shippedByTea).contains(line.getSubOrderId());
                    assertThat(line.getReference()).isEqualTo("escrow_released:" + line.getSubOrderId());
                    assertThat(line.getAmount().getAmount()).isEqualTo(-figures.get(line.getSubOrderId())[0]);
                }
                case "commission_accrued" -> {
                    assertThat(shippedByTea).contains(line.getSubOrderId());
                    assertThat(line.getAmount().getAmount()).isEqualTo(figures.get(line.getSubOrderId())[1]);
                }
                case "adjustment" -> {
                    assertThat(line.getReference()).isEqualTo("adjustment:" + goodwill.getId());
                    assertThat(line.getAmount().getAmount()).isEqualTo(-500);
                }
                default -> throw new AssertionError("a line that is no order the merchant shipped: " + line);
            }
        }
        assertThat(lines).filteredOn(line -> line.getType().equals("escrow_released"))
                .extracting(StatementLine::getSubOrderId).containsExactlyInAnyOrderElementsOf(shippedByTea);
        assertThat(first.getClosingBalance().getAmount()).isEqualTo(first.getOpeningBalance().getAmount() + sum)
                .isEqualTo(payableBalance(tea.id()));

        List<String> csv = csv(tea.client(), "/v1/statements/" + cycle + "?currency=JPY");
        assertThat(csv.getFirst()).isEqualTo("line,posted_at,type,reference,order_id,sub_order_id,amount,currency");
        assertThat(csv.get(1)).isEqualTo(",,opening_balance,,,," + first.getOpeningBalance().getAmount() + ",JPY");
        assertThat(csv.getLast()).isEqualTo(",,closing_balance,,,," + first.getClosingBalance().getAmount() + ",JPY");
        assertThat(csv.subList(2, csv.size() - 1)).containsExactlyElementsOf(lines.stream().map(line -> String.join(",",
                line.getId(), line.getPostedAt().withOffsetSameInstant(ZoneOffset.UTC).toString(), line.getType(),
                line.getReference(), text(line.getOrderId()), text(line.getSubOrderId()),
                Long.toString(line.getAmount().getAmount()), "JPY")).toList());

        assertThat(catchThrowableOfType(MarketplaceException.NotFoundException.class, () -> 
                pottery.client().settlement().getStatement(cycle, GetStatementParams.builder().currency("JPY").merchantId(tea.id()).build()))).isNotNull();
    }

    private static void postEverything() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    /** The statement as CSV through the SDK's own HTTP client and credentials (the client validates the answer). */
    private static List<String> csv(MarketplaceClient client, String pathAndQuery) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(client.apiClient().getBaseUri() + pathAndQuery))
                .header("Accept", "text/csv").GET();
        client.apiClient().getRequestInterceptor().accept(request); // the SDK's credentials
        HttpResponse<String> response = client.apiClient().getHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
        assertThat(response.body()).endsWith("\r\n");
        return List.of(response.body().split("\r\n"));
    }

    private static long payableBalance(UUID merchant) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.eq("merchant_payable:" + merchant)).and(LEDGER_ACCOUNT.CURRENCY.eq("JPY"))
                .fetchSingle(LEDGER_ACCOUNT.BALANCE);
    }

    private static String text(UUID id) {
        return id == null ? "" : id.toString();
    }
}
