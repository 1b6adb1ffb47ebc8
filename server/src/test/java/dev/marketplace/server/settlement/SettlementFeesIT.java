package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Settlement's own movements on a real server and database (decision 31): a capture's payment fee, the rolling
 * reserve held and released when due, plan fees once per merchant and month, the operator's deposits and commission
 * overrides, and the platform summary — each posted once, every answer validated against the document.
 */
class SettlementFeesIT {

    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("settlement.payment-fees.rate-basis-points", "360")
            .with("settlement.payment-fees.fixed.JPY", "40")
            .with("settlement.rolling-reserve.share-basis-points", "1000")
            .with("settlement.rolling-reserve.hold-for", "P7D");

    private static TestCatalog catalog;
    private static UUID category;

    @BeforeAll
    static void category() throws Exception {
        catalog = new TestCatalog(server);
        category = server.client().categories().createCategory(new CategoryCreate().name("Tea")
                .commissionRateBasisPoints(1000)).getId();
    }

    @Test
    void aCaptureRecordsItsPaymentFeeAndAReleaseHoldsItsReserveShareUntilDue() throws Exception {
        UUID merchant = catalog.activeMerchant("Kyoto Tea Co., Ltd.", category).id();
        UUID order = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        UUID payment = UUID.randomUUID();
        Parties subOrder = new Parties(order, UUID.randomUUID(), merchant, customer);
        server.db().transaction(tx -> {
            DomainEvents.append(tx.dsl(), MoneyMovement.paymentCaptured(payment, Parties.ofOrder(order, customer),
                    Money.of(10_000, "JPY")));
            DomainEvents.append(tx.dsl(), MoneyMovement.commissionAccrued(subOrder, Money.of(1_000, "JPY")));
        });
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(),
                MoneyMovement.escrowReleased(subOrder, Money.of(10_000, "JPY"))));
        postEverything();

        assertThat(types(order, subOrder.subOrderId())).containsExactlyInAnyOrder("payment_captured",
                "payment_fee_charged", "escrow_released", "commission_accrued", "reserve_held");
        assertThat(balance("payment_fees")).as("3.6 %% of 10,000 and the fixed 40 (decision 52)").isEqualTo(400);
        assertThat(balance("merchant_reserve:" + merchant)).as("10 %% of the release").isEqualTo(-1_000);
        assertThat(balance("merchant_payable:" + merchant)).as("10,000 − 1,000 commission − 1,000 held")
                .isEqualTo(-8_000);

        Reserves reserves = new Reserves(new Reserves.Rolling(1000, Duration.ofDays(7)),
                Clock.offset(Clock.systemUTC(), Duration.ofDays(6)));
        assertThat(reserves.releaseDue(server.db())).as("not due after six days").isZero();
        Reserves dueNow = new Reserves(new Reserves.Rolling(1000, Duration.ofDays(7)),
                Clock.offset(Clock.systemUTC(), Duration.ofDays(7).plusMinutes(1)));
        assertThat(dueNow.releaseDue(server.db())).as("due after seven days").isGreaterThanOrEqualTo(1);
        assertThat(dueNow.releaseDue(server.db())).as("released once").isZero();
        postEverything();
        assertThat(balance("merchant_reserve:" + merchant)).isZero();
        assertThat(balance("merchant_payable:" + merchant)).isEqualTo(-9_000);

        long transactions = server.db().fetchCount(LEDGER_TRANSACTION);
        server.db().execute("UPDATE event_subscription SET position = 0 WHERE name = ?", SettlementModule.LEDGER_POSTING);
        postEverything();
        assertThat(server.db().fetchCount(LEDGER_TRANSACTION)).as("a replay posts nothing, records no fee twice")
                .isEqualTo(transactions);
        assertThat(balance("payment_fees")).isEqualTo(400);

        // A currency without a fixed fee is charged the rate alone: 3.6 % of 12.50 USD is 45 cents.
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(), MoneyMovement.paymentCaptured(UUID.randomUUID(),
                Parties.ofOrder(UUID.randomUUID(), customer), Money.of(1_250, "USD"))));
        postEverything();
        assertThat(server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.eq("payment_fees"), LEDGER_ACCOUNT.CURRENCY.eq("USD")).fetchSingle().value1())
                .isEqualTo(45);
    }

    @Test
    void planFeesAreChargedOncePerMerchantAndMonthOnEveryRun() throws Exception {
        UUID first = catalog.activeMerchant("Uji Gardens KK", category).id();
        UUID second = catalog.activeMerchant("Arita Pottery K.K.", category).id();
        server.runJob(SettlementModule.PLAN_FEES);
        server.runJob(SettlementModule.PLAN_FEES);
        postEverything();
        String month = java.time.YearMonth.now(TOKYO).toString();
        for (UUID merchant : List.of(first, second)) {
            assertThat(server.db().fetchCount(DOMAIN_EVENT, DOMAIN_EVENT.IDEMPOTENCY_ID.eq("plan_fee:" + merchant + ":" + month)))
                    .isEqualTo(1);
            assertThat(balance("merchant_payable:" + merchant)).as("the standard plan's 50,000 JPY").isEqualTo(50_000);
        }

        // The injectable clock: the first instant of January in Tokyo is still December in UTC.
        Instant newYear = LocalDate.of(2031, 1, 1).atStartOfDay(TOKYO).toInstant();
        PlanFees.Plans plans = each -> List.of(first, second).forEach(m -> each.accept(m, Money.of(50_000, "JPY")));
        PlanFees january = new PlanFees(server.db(), plans, Clock.fixed(newYear, ZoneOffset.UTC), TOKYO);
        assertThat(january.chargeThisMonth()).isEqualTo(2);
        assertThat(january.chargeThisMonth()).as("once per month").isZero();
        PlanFees lastOfDecember = new PlanFees(server.db(), plans, Clock.fixed(newYear.minusSeconds(1), ZoneOffset.UTC), TOKYO);
        assertThat(lastOfDecember.chargeThisMonth()).as("December 2030 is a month of its own").isEqualTo(2);
        assertThat(server.db().fetchCount(DOMAIN_EVENT, DOMAIN_EVENT.IDEMPOTENCY_ID.eq("plan_fee:" + first + ":2031-01")))
                .isEqualTo(1);
        postEverything();
        assertThat(balance("merchant_payable:" + first)).isEqualTo(150_000);
    }

    @Test
    void theOperatorRecordsADepositOncePerReferenceAndSetsOverrides() throws Exception {
        UUID merchant = catalog.activeMerchant("Hakone Wood Works", category).id();
        String path = "/v1/settlement/merchants/" + merchant + "/deposits";
        JsonObject recorded = send(null, "POST", path, "{\"reference\":\"MUFG-2026-0001\"}", 201);
        assertThat(recorded.getJsonObject("amount")).as("the deposit lodged with the application")
                .isEqualTo(Json.createObjectBuilder().add("amount", 500_000).add("currency", "JPY").build());
        JsonObject again = send(null, "POST", path, "{\"reference\":\"MUFG-2026-0001\",\"amount\":{\"amount\":1,\"currency\":\"JPY\"}}", 200);
        assertThat(again.getString("id")).isEqualTo(recorded.getString("id"));
        assertThat(again.getJsonObject("amount")).isEqualTo(recorded.getJsonObject("amount"));
        send(null, "POST", "/v1/settlement/merchants/" + UUID.randomUUID() + "/deposits", "{\"reference\":\"x\"}", 404);
        send(null, "POST", path, "{\"reference\":\"\"}", 400);
        String merchantToken = merchantToken(merchant);
        send(merchantToken, "POST", path, "{\"reference\":\"MUFG-2026-0002\"}", 403);
        postEverything();
        assertThat(balance("merchant_reserve:" + merchant)).isEqualTo(-500_000);
        assertThat(balance("merchant_payable:" + merchant)).as("withheld from what it is owed").isEqualTo(500_000);

        String override = "/v1/settlement/merchants/" + merchant + "/commission-override";
        send(null, "GET", override, null, 404);
        JsonObject set = send(null, "PUT", override, "{\"rateBasisPoints\":1200}", 200);
        assertThat(set.getInt("rateBasisPoints")).isEqualTo(1200);
        assertThat(set.getString("setBy")).isNotBlank();
        assertThat(send(null, "PUT", override, "{\"rateBasisPoints\":800}", 200).getInt("rateBasisPoints")).isEqualTo(800);
        assertThat(send(null, "GET", override, null, 200).getInt("rateBasisPoints")).isEqualTo(800);
        send(null, "PUT", override, "{\"rateBasisPoints\":10001}", 400);
        send(merchantToken, "GET", override, null, 403);
        send(null, "DELETE", override, null, 204);
        send(null, "DELETE", override, null, 404);
        send(null, "GET", override, null, 404);
        assertThat(server.db().fetchCount(dev.marketplace.schema.Tables.AUDIT_EVENT,
                dev.marketplace.schema.Tables.AUDIT_EVENT.PATH.eq(override))).as("audited").isEqualTo(5);
    }

    @Test
    void theOperatorGivesADepositBackOncePerReferenceWithinWhatIsHeldAndNotWhileSubOrdersAreOpen() throws Exception {
        UUID merchant = catalog.activeMerchant("Tokoname Teapots", category).id();
        send(null, "POST", "/v1/settlement/merchants/" + merchant + "/deposits", "{\"reference\":\"MIZUHO-1\"}", 201);
        String path = "/v1/settlement/merchants/" + merchant + "/deposit-refunds";
        send(null, "POST", path, refund("R-0", 500_001), 409);
        // A sub-order paid and not released: its refunds may still come, which the deposit is there to cover.
        Parties subOrder = new Parties(UUID.randomUUID(), UUID.randomUUID(), merchant, UUID.randomUUID());
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(),
                MoneyMovement.commissionAccrued(subOrder, Money.of(1_000, "JPY"))));
        postEverything();
        assertThat(send(null, "POST", path, refund("R-1", 200_000), 409).getString("code"))
                .isEqualTo("merchant_has_open_sub_orders");
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(),
                MoneyMovement.escrowReleased(subOrder, Money.of(10_000, "JPY"))));
        postEverything();

        JsonObject first = send(null, "POST", path, refund("R-1", 200_000), 201);
        assertThat(first.getString("reason")).isEqualTo("closing");
        assertThat(send(null, "POST", path, refund("R-1", 1), 200).getString("id")).isEqualTo(first.getString("id"));
        assertThat(send(null, "POST", path, refund("R-2", 300_001), 409).getString("code"))
                .isEqualTo("deposit_insufficient");
        send(null, "POST", path, refund("R-2", 300_000), 201);
        send(null, "POST", path, refund("R-3", 1), 409);
        send(merchantToken(merchant), "POST", path, refund("R-4", 1), 403);
        send(null, "POST", "/v1/settlement/merchants/" + UUID.randomUUID() + "/deposit-refunds", refund("R-5", 1), 404);
        send(null, "POST", path, "{\"reference\":\"R-6\",\"amount\":{\"amount\":1,\"currency\":\"JPY\"}}", 400);
        postEverything();
        assertThat(balance("merchant_reserve:" + merchant)).as("the deposit given back, the rolling reserve's 10 %% held")
                .isEqualTo(-1_000);
        assertThat(balance("merchant_payable:" + merchant)).as("owed: 10,000 released less 1,000 commission, 1,000 held")
                .isEqualTo(-8_000);
        assertThat(server.db().fetchCount(LEDGER_TRANSACTION, LEDGER_TRANSACTION.EVENT_TYPE.eq("deposit_refunded")
                .and(LEDGER_TRANSACTION.MERCHANT_ID.eq(merchant)))).as("posted once per reference").isEqualTo(2);
        assertThat(server.db().fetchCount(dev.marketplace.schema.Tables.AUDIT_EVENT,
                dev.marketplace.schema.Tables.AUDIT_EVENT.PATH.eq(path))).as("audited").isPositive();

        // The reserve's statement (decision 52): its lines close to the reserve's ledger balance, as JSON and CSV.
        String statement = "/v1/statements/" + java.time.YearMonth.now(java.time.ZoneOffset.UTC)
                + "?currency=JPY&account=merchant_reserve&merchantId=" + merchant;
        JsonObject reserve = send(null, "GET", statement, null, 200);
        assertThat(reserve.getString("account")).isEqualTo("merchant_reserve");
        assertThat(reserve.getJsonArray("lines").getValuesAs(JsonObject.class).stream()
                .map(line -> line.getString("type") + " " + amount(line, "amount")).toList())
                .containsExactly("deposit_recorded -500000", "reserve_held -1000", "deposit_refunded 200000",
                        "deposit_refunded 300000");
        assertThat(amount(reserve, "closingBalance")).isEqualTo(balance("merchant_reserve:" + merchant))
                .isEqualTo(-1_000);
        assertThat(send(merchantToken(merchant), "GET", statement, null, 200).getInt("lineCount")).isEqualTo(4);
        HttpResponse<String> csv = server.send(server.request(statement).header("Accept", "text/csv").build());
        assertThat(csv.statusCode()).isEqualTo(200);
        String[] rows = csv.body().split("\r\n");
        assertThat(rows).hasSize(7);
        assertThat(rows[6]).isEqualTo(",,closing_balance,,,,-1000,JPY");
        send(null, "GET", statement.replace("merchant_reserve", "merchant_points"), null, 400);
    }

    private static String refund(String reference, long yen) {
        return "{\"reference\":\"" + reference + "\",\"amount\":{\"amount\":" + yen
                + ",\"currency\":\"JPY\"},\"reason\":\"closing\"}";
    }

    @Test
    void theSummaryAddsUpToTheLedger() throws Exception {
        UUID merchant = catalog.activeMerchant("Mashiko Kilns", category).id();
        server.runJob(SettlementModule.PLAN_FEES);
        postEverything();
        LocalDate today = LocalDate.now(TOKYO);
        JsonObject summary = send(null, "GET", "/v1/settlement/summary?from=" + today.minusDays(1) + "&to="
                + today.plusDays(1), null, 200);
        Map<String, Long> closing = new HashMap<>();
        for (JsonObject kind : summary.getJsonArray("accounts").getValuesAs(JsonValue::asJsonObject)) {
            long opening = amount(kind, "opening");
            long movement = amount(kind, "movement");
            assertThat(amount(kind, "closing")).isEqualTo(opening + movement);
            closing.put(kind.getString("kind") + " " + kind.getJsonObject("closing").getString("currency"),
                    amount(kind, "closing"));
        }
        Map<String, Long> ledger = new HashMap<>();
        server.db().selectFrom(LEDGER_ACCOUNT).forEach(account -> ledger.merge(account.getName().split(":")[0] + " "
                + account.getCurrency(), account.getBalance(), Long::sum));
        assertThat(closing).as("every kind of account closes at its accounts' balances").isEqualTo(ledger);
        JsonObject yen = summary.getJsonArray("figures").getValuesAs(JsonValue::asJsonObject).stream()
                .filter(f -> f.getString("currency").equals("JPY")).findFirst().orElseThrow();
        assertThat(amount(yen, "planFees")).isEqualTo(-ledger.get("platform_fee_revenue JPY"));
        assertThat(amount(yen, "paymentFees")).isEqualTo(ledger.getOrDefault("payment_fees JPY", 0L));
        assertThat(amount(yen, "payouts")).isZero();
        assertThat(balance("merchant_payable:" + merchant)).isEqualTo(50_000);

        send(null, "GET", "/v1/settlement/summary?from=" + today, null, 400);
        send(null, "GET", "/v1/settlement/summary?from=" + today + "&to=" + today, null, 400);
        send(null, "GET", "/v1/settlement/summary?from=2026-13-01&to=" + today, null, 400);
        send(merchantToken(merchant), "GET", "/v1/settlement/summary?from=" + today + "&to=" + today.plusDays(1),
                null, 403);
    }

    private static void postEverything() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    private static List<String> types(UUID order, UUID subOrder) {
        return server.db().select(LEDGER_TRANSACTION.EVENT_TYPE).from(LEDGER_TRANSACTION)
                .where(LEDGER_TRANSACTION.ORDER_ID.eq(order).or(LEDGER_TRANSACTION.SUB_ORDER_ID.eq(subOrder)))
                .fetch(LEDGER_TRANSACTION.EVENT_TYPE);
    }

    private static long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .and(LEDGER_ACCOUNT.CURRENCY.eq("JPY")).fetchOptional(LEDGER_ACCOUNT.BALANCE).orElse(0L);
    }

    private static long amount(JsonObject object, String field) {
        return object.getJsonObject(field).getJsonNumber("amount").longValueExact();
    }

    private static String merchantToken(UUID merchantId) throws Exception {
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("ERP")
                .principalType(PrincipalType.MERCHANT).principalId(merchantId)
                .scopes(List.of(Scope.SETTLEMENT_READ)));
        return server.token(credentials.getClient().getClientId(), credentials.getClientSecret());
    }

    /** Through the validating client (the operator's token when {@code token} is null), expecting the status. */
    private static JsonObject send(String token, String method, String path, String json, int status) {
        HttpRequest.Builder request = token == null ? server.request(path)
                : server.anonymousRequest(path).header("Authorization", "Bearer " + token);
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = server.send(request.build());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(status);
        if (response.body().isEmpty()) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        try (var reader = Json.createReader(new StringReader(response.body()))) {
            return reader.readObject();
        }
    }
}
