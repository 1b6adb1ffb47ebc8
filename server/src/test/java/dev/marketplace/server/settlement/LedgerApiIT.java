package dev.marketplace.server.settlement;

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
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ledger through its API, every response validated against the document: the operator's accounts, balances
 * and reconciliation; a merchant's own accounts and entries as a feed; another tenant's account not found.
 */
class LedgerApiIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static UUID merchant;
    private static String merchantToken;
    private static String otherMerchantToken;

    @BeforeAll
    static void posted() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Tea")
                .commissionRateBasisPoints(1000)).getId();
        merchant = catalog.activeMerchant("Kyoto Tea Co., Ltd.", category).id();
        UUID other = catalog.activeMerchant("Uji Gardens KK", category).id();
        merchantToken = settlementToken(merchant);
        otherMerchantToken = settlementToken(other);

        UUID order = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        Parties subOrder = new Parties(order, UUID.randomUUID(), merchant, customer);
        server.db().transaction(tx -> {
            DomainEvents.append(tx.dsl(), MoneyMovement.paymentCaptured(UUID.randomUUID(), Parties.ofOrder(order, customer),
                    Money.of(10_000, "JPY")));
            DomainEvents.append(tx.dsl(), MoneyMovement.commissionAccrued(subOrder, Money.of(1_000, "JPY")));
        });
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(),
                MoneyMovement.escrowReleased(subOrder, Money.of(10_000, "JPY"))));
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    @Test
    void theOperatorSeesEveryAccountWithItsBalancePageByPage() {
        Map<String, Long> balances = new HashMap<>();
        String cursor = null;
        do {
            JsonObject page = get(null, "/v1/ledger/accounts?limit=2" + (cursor == null ? "" : "&cursor=" + encode(cursor)), 200);
            page.getJsonArray("items").getValuesAs(JsonValue::asJsonObject).forEach(account -> balances.put(
                    account.getString("name"), account.getJsonObject("balance").getJsonNumber("amount").longValueExact()));
            cursor = !page.containsKey("nextCursor") || page.isNull("nextCursor") ? null : page.getString("nextCursor");
        } while (cursor != null);

        assertThat(balances).containsEntry("customer_payments", 10_000L)
                .containsEntry("escrow", 0L)
                .containsEntry("merchant_payable:" + merchant, -9_000L)
                .containsEntry("platform_commission_revenue", -1_000L);
    }

    @Test
    void aMerchantSeesOnlyItsOwnAccountAndFollowsItsEntries() {
        List<JsonObject> mine = items(get(merchantToken, "/v1/ledger/accounts", 200));
        assertThat(mine).singleElement().satisfies(account -> {
            assertThat(account.getString("name")).isEqualTo("merchant_payable:" + merchant);
            assertThat(account.getString("merchantId")).isEqualTo(merchant.toString());
        });
        assertThat(items(get(otherMerchantToken, "/v1/ledger/accounts", 200))).isEmpty();

        String entriesPath = "/v1/ledger/accounts/" + mine.getFirst().getString("id") + "/entries";
        JsonObject first = get(merchantToken, entriesPath + "?limit=1", 200);
        JsonObject second = get(merchantToken, entriesPath + "?limit=1&cursor=" + encode(first.getString("nextCursor")), 200);
        JsonObject caughtUp = get(merchantToken, entriesPath + "?cursor=" + encode(second.getString("nextCursor")), 200);
        List<JsonObject> entries = new ArrayList<>(items(first));
        entries.addAll(items(second));
        assertThat(entries).extracting(entry -> entry.getString("eventType") + " "
                        + entry.getJsonObject("amount").getJsonNumber("amount").longValueExact())
                .containsExactly("escrow_released -10000", "commission_accrued 1000");
        assertThat(items(caughtUp)).isEmpty();
        assertThat(caughtUp.getString("nextCursor")).as("an empty page keeps the place")
                .isEqualTo(second.getString("nextCursor"));

        get(otherMerchantToken, entriesPath, 404);
        String escrowId = items(get(null, "/v1/ledger/accounts", 200)).stream()
                .filter(account -> account.getString("name").equals("escrow")).findFirst().orElseThrow().getString("id");
        get(merchantToken, "/v1/ledger/accounts/" + escrowId + "/entries", 404);
        get(null, "/v1/ledger/accounts/" + escrowId + "/entries", 200);
        get(null, "/v1/ledger/accounts/99999999/entries", 404);
    }

    @Test
    void theOperatorReconcilesTheLedgerAndAMerchantMayNot() {
        JsonObject report = get(null, "/v1/ledger/reconciliation", 200);
        assertThat(report.getBoolean("reconciled")).isTrue();
        assertThat(report.getJsonNumber("entries").longValueExact()).isEqualTo(6);
        assertThat(report.getJsonArray("discrepancies")).isEmpty();
        get(merchantToken, "/v1/ledger/reconciliation", 403);
    }

    private static String settlementToken(UUID merchantId) throws Exception {
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("ERP")
                .principalType(PrincipalType.MERCHANT).principalId(merchantId)
                .scopes(List.of(Scope.SETTLEMENT_READ)));
        return server.token(credentials.getClient().getClientId(), credentials.getClientSecret());
    }

    /** GETs through the validating client (the operator's token when {@code token} is null), expecting the status. */
    private static JsonObject get(String token, String path, int status) {
        HttpRequest.Builder request = token == null ? server.request(path)
                : server.anonymousRequest(path).header("Authorization", "Bearer " + token);
        HttpResponse<String> response = server.send(request.GET().build());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        try (var reader = Json.createReader(new StringReader(response.body()))) {
            return reader.readObject();
        }
    }

    private static List<JsonObject> items(JsonObject page) {
        return page.getJsonArray("items").getValuesAs(JsonValue::asJsonObject);
    }

    private static String encode(String cursor) {
        return URLEncoder.encode(cursor, StandardCharsets.UTF_8);
    }
}
