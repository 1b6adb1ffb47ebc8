package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.ADJUSTMENT;
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
import dev.marketplace.server.platform.security.Principal;
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
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Statements closing (a month that has ended never changes; the next opens at its closing), and the operations of
 * decision 32 through the validating client: adjustments (idempotent, the operator's only, an unknown merchant 404),
 * payouts and statements by tenant, refused queries.
 */
class StatementsIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static UUID merchant;
    private static UUID other;
    private static String merchantToken;
    private static String otherToken;

    @BeforeAll
    static void merchants() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Tea")
                .commissionRateBasisPoints(1000)).getId();
        merchant = catalog.activeMerchant("Kyoto Tea Co., Ltd.", category).id();
        other = catalog.activeMerchant("Uji Gardens KK", category).id();
        merchantToken = settlementToken(merchant);
        otherToken = settlementToken(other);
        released(merchant, 10_000, 1_000);
        released(other, 8_000, 800);
    }

    @Test
    void anEndedMonthIsClosedAndNeverChangesAndTheNextOpensAtItsClosing() {
        YearMonth thisMonth = YearMonth.now(ZoneOffset.UTC);
        Clock nextMonth = Clock.fixed(thisMonth.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC)
                .plus(Duration.ofHours(1)), ZoneOffset.UTC);
        Statements statements = new Statements(server.db(), nextMonth);
        Principal operator = Principal.system("statements test");
        UUID merchant = UUID.randomUUID(); // its own, so that no other test's money moves its payable
        released(merchant, 10_000, 1_000);
        UUID closedOne = UUID.randomUUID();
        append(MoneyMovement.adjustment(closedOne, merchant, Money.of(300, "JPY"), true));
        post();

        Statements.Statement closed = statements.statement(operator, merchant, "JPY", thisMonth);
        List<Statements.Line> lines = statements.lines(closed, 0, 1000);
        assertThat(closed.closed()).isTrue();
        assertThat(closed.opening()).isZero();
        assertThat(closed.closing()).isEqualTo(closed.opening() + lines.stream().mapToLong(Statements.Line::amount).sum())
                .isEqualTo(-9_300);
        assertThat(lines).extracting(Statements.Line::reference).contains("adjustment:" + closedOne);

        UUID later = UUID.randomUUID();
        append(MoneyMovement.adjustment(later, merchant, Money.of(2_000, "JPY"), false));
        post();
        statements.closeEnded(); // the job after the read: the month stays as first closed
        Statements.Statement again = statements.statement(operator, merchant, "JPY", thisMonth);
        assertThat(again).isEqualTo(closed);
        assertThat(statements.lines(again, 0, 1000)).isEqualTo(lines);

        Statements.Statement open = statements.statement(operator, merchant, "JPY", thisMonth.plusMonths(1));
        assertThat(open.closed()).isFalse();
        assertThat(open.opening()).isEqualTo(closed.closing());
        assertThat(statements.lines(open, 0, 1000)).singleElement().satisfies(line -> {
            assertThat(line.reference()).isEqualTo("adjustment:" + later);
            assertThat(line.amount()).isEqualTo(2_000);
        });
        assertThat(open.closing()).isEqualTo(-7_300);
    }

    @Test
    void adjustmentsAreTheOperatorsAndARetryPostsNothingTwice() {
        String body = """
                {"merchantId": "%s", "direction": "credit", "amount": {"amount": 1200, "currency": "JPY"},
                 "reason": "Carrier lost parcel S-1"}""".formatted(merchant);
        JsonObject first = post(null, "/v1/adjustments", body, "adj-1", 201);
        JsonObject replayed = post(null, "/v1/adjustments", body, "adj-1", 201);
        assertThat(replayed.getString("id")).isEqualTo(first.getString("id"));
        assertThat(first.getString("createdBy")).isEqualTo(TestServer.OPERATOR_CLIENT_ID);
        assertThat(server.db().fetchCount(ADJUSTMENT, ADJUSTMENT.REASON.eq("Carrier lost parcel S-1"))).isEqualTo(1);

        post(merchantToken, "/v1/adjustments", body, "adj-2", 403);
        post(null, "/v1/adjustments", body.replace(merchant.toString(), UUID.randomUUID().toString()), "adj-3", 404);
        post(null, "/v1/adjustments", body.replace("\"credit\"", "\"refund\""), "adj-4", 400);
        post(null, "/v1/adjustments", body.replace("1200", "0"), "adj-5", 400);
    }

    @Test
    void eachMerchantSeesItsOwnPayoutsAndStatements() {
        Clock weekLater = Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC);
        new Payouts(server.db(), new TestPayoutProvider(), new Payouts.Settings(Duration.ofDays(7), Map.of(), 1, Duration.ofMinutes(5)),
                weekLater).run();

        List<JsonObject> mine = items(get(merchantToken, "/v1/payouts"));
        assertThat(mine).isNotEmpty().allSatisfy(payout -> assertThat(payout.getString("merchantId")).isEqualTo(merchant.toString()));
        assertThat(mine.getFirst().getString("status")).isEqualTo("paid");
        get(otherToken, "/v1/payouts/" + mine.getFirst().getString("id"), 404);
        assertThat(get(null, "/v1/payouts/" + mine.getFirst().getString("id"), 200).getString("id"))
                .isEqualTo(mine.getFirst().getString("id"));
        assertThat(items(get(null, "/v1/payouts?merchantId=" + other))).isNotEmpty()
                .allSatisfy(payout -> assertThat(payout.getString("merchantId")).isEqualTo(other.toString()));

        String cycle = YearMonth.now(ZoneOffset.UTC).toString();
        assertThat(get(merchantToken, "/v1/statements/" + cycle + "?currency=JPY", 200).getString("merchantId"))
                .isEqualTo(merchant.toString());
        get(otherToken, "/v1/statements/" + cycle + "?currency=JPY&merchantId=" + merchant, 404);
        assertThat(get(null, "/v1/statements/" + cycle + "?currency=JPY&merchantId=" + merchant, 200)
                .getJsonArray("lines")).isNotEmpty();
        get(null, "/v1/statements/" + cycle + "?currency=JPY", 400);
        get(merchantToken, "/v1/statements/" + cycle, 400);
        get(merchantToken, "/v1/statements/" + cycle + "?currency=USD", 404);
        get(merchantToken, "/v1/statements/" + YearMonth.now(ZoneOffset.UTC).plusMonths(1) + "?currency=JPY", 404);
    }

    // ---- helpers

    private static void released(UUID merchantId, long total, long commission) {
        UUID order = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        Parties subOrder = new Parties(order, UUID.randomUUID(), merchantId, customer);
        server.db().transaction(tx -> {
            DomainEvents.append(tx.dsl(), MoneyMovement.paymentCaptured(UUID.randomUUID(), Parties.ofOrder(order, customer),
                    Money.of(total, "JPY")));
            DomainEvents.append(tx.dsl(), MoneyMovement.commissionAccrued(subOrder, Money.of(commission, "JPY")));
        });
        append(MoneyMovement.escrowReleased(subOrder, Money.of(total, "JPY")));
        post();
    }

    private static void append(MoneyMovement movement) {
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(), movement));
    }

    private static void post() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    private static String settlementToken(UUID merchantId) throws Exception {
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("ERP")
                .principalType(PrincipalType.MERCHANT).principalId(merchantId)
                .scopes(List.of(Scope.SETTLEMENT_READ)));
        return server.token(credentials.getClient().getClientId(), credentials.getClientSecret());
    }

    private static JsonObject get(String token, String path) {
        return get(token, path, 200);
    }

    /** Through the validating client (the operator's token when {@code token} is null), expecting the status. */
    private static JsonObject get(String token, String path, int status) {
        return send(token, path, status, request(token, path).GET());
    }

    private static JsonObject post(String token, String path, String body, String idempotencyKey, int status) {
        return send(token, path, status, request(token, path).header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpRequest.Builder request(String token, String path) {
        return token == null ? server.request(path) : server.anonymousRequest(path).header("Authorization", "Bearer " + token);
    }

    private static JsonObject send(String token, String path, int status, HttpRequest.Builder request) {
        HttpResponse<String> response = server.send(request.build());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        try (var reader = Json.createReader(new StringReader(response.body()))) {
            return reader.readObject();
        }
    }

    private static List<JsonObject> items(JsonObject page) {
        return page.getJsonArray("items").getValuesAs(JsonValue::asJsonObject);
    }
}
