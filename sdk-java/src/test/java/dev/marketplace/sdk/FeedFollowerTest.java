package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.api.InventoryApi.ListStockChangesParams;
import dev.marketplace.sdk.model.StockChange;
import dev.marketplace.sdk.model.StockChangePage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Feed followers save a cursor only after the handler succeeded, resynchronize on 410, back off and stop. */
class FeedFollowerTest {

    private static final String FEED = "/v1/stock/changes";

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final MarketplaceClient client = MarketplaceClient.builder()
            .baseUri(URI.create(api.baseUrl())).maxRetries(0).build();
    private final Feed<StockChange> stock = client.feeds().stock().pollingBetween(Duration.ofMillis(10), Duration.ofMillis(50));

    @Test
    void drainHandsOverEachPageAndSavesTheCursorAfterIt() throws Exception {
        stubPage(null, "c1", 1, 2);
        stubPage("c1", "c2");
        CursorStore cursors = CursorStore.inMemory();
        List<Long> positions = new CopyOnWriteArrayList<>();

        long first = stock.drain(cursors, changes -> changes.forEach(change -> positions.add(change.getPosition())));
        long second = stock.drain(cursors, changes -> positions.add(-1L));

        assertThat(first).isEqualTo(2);
        assertThat(second).as("caught up: nothing handed over, the cursor still moves").isZero();
        assertThat(positions).containsExactly(1L, 2L);
        assertThat(cursors.load()).contains("c2");
        api.verify(getRequestedFor(urlPathEqualTo(FEED)).withQueryParam("limit", equalTo("1000")));
    }

    @Test
    void aFailingHandlerLeavesTheCursorWhereItWas() throws Exception {
        stubPage("c1", "c2", 7);
        CursorStore cursors = CursorStore.inMemory();
        cursors.save("c1");

        assertThatThrownBy(() -> stock.drain(cursors, changes -> {
            throw new IllegalStateException("the ERP's database is down");
        })).hasMessage("the ERP's database is down");

        assertThat(cursors.load()).contains("c1");
    }

    @Test
    void anExpiredCursorResynchronizesAndReadsTheFeedFromItsBeginning() throws Exception {
        api.stubFor(get(urlPathEqualTo(FEED)).withQueryParam("cursor", equalTo("old")).willReturn(aResponse()
                .withStatus(410).withHeader("Content-Type", "application/problem+json")
                .withBody(Json.problem(410, "cursor_expired", ""))));
        stubPage(null, "c1", 3);
        CursorStore cursors = CursorStore.inMemory();
        cursors.save("old");
        List<String> events = new CopyOnWriteArrayList<>();

        stock.drain(cursors, new FeedHandler<>() {
            @Override
            public void onChanges(List<StockChange> changes) {
                changes.forEach(change -> events.add("change " + change.getPosition()));
            }

            @Override
            public void onResynchronize() {
                events.add("resynchronize");
            }
        });

        assertThat(events).containsExactly("resynchronize", "change 3");
        assertThat(cursors.load()).contains("c1");
    }

    @Test
    void aFollowerRetriesAfterAFailureAndThenHandsOverTheChanges() throws Exception {
        api.stubFor(get(urlPathEqualTo(FEED)).inScenario("outage").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/problem+json")
                        .withBody(Json.problem(503, "service_unavailable", "")))
                .willSetStateTo("back"));
        api.stubFor(get(urlPathEqualTo(FEED)).inScenario("outage").whenScenarioStateIs("back")
                .willReturn(okJson(page("c1", 5))));
        CountDownLatch handled = new CountDownLatch(1);
        List<Exception> failures = new CopyOnWriteArrayList<>();
        CursorStore cursors = CursorStore.inMemory();

        try (FeedFollower follower = stock.follow(cursors, new FeedHandler<>() {
            @Override
            public void onChanges(List<StockChange> changes) {
                handled.countDown();
            }

            @Override
            public void onFailure(Exception failure) {
                failures.add(failure);
            }
        })) {
            assertThat(handled.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(follower.isRunning()).isTrue();
        }

        assertThat(failures).hasSize(1).first().isInstanceOf(MarketplaceException.ServerException.class);
        assertThat(cursors.load()).contains("c1");
    }

    @Test
    void aFollowerRetriesAPageWhoseHandlerFailedAndSavesTheCursorOnlyThen() throws Exception {
        stubPage(null, "c1", 9);
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch handled = new CountDownLatch(1);
        CursorStore cursors = CursorStore.inMemory();

        try (FeedFollower follower = stock.follow(cursors, changes -> {
            if (attempts.incrementAndGet() == 1) {
                assertThat(cursors.load()).isEmpty();
                throw new IllegalStateException("first attempt fails");
            }
            handled.countDown();
        })) {
            assertThat(handled.await(10, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(attempts).hasValueGreaterThanOrEqualTo(2);
        assertThat(cursors.load()).contains("c1");
    }

    @Test
    void aFollowerStopsOnItsOwnWhenRetryingCannotHelp() throws Exception {
        api.stubFor(get(urlPathEqualTo(FEED)).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "application/problem+json").withBody(Json.problem(403, "insufficient_scope", ""))));

        FeedFollower follower = stock.follow(CursorStore.inMemory(), changes -> { });

        assertThat(follower.awaitStopped(Duration.ofSeconds(10))).isTrue();
        assertThat(follower.failure()).get().isInstanceOf(MarketplaceException.PermissionException.class);
    }

    @Test
    void closingEndsAWaitBetweenPollsAtOnce() throws Exception {
        stubPage(null, "c1", 1);
        stubPage("c1", "c1");
        CountDownLatch handled = new CountDownLatch(1);
        FeedFollower follower = client.feeds().stock().pollingBetween(Duration.ofMinutes(10), Duration.ofMinutes(10))
                .follow(CursorStore.inMemory(), changes -> handled.countDown());
        assertThat(handled.await(10, TimeUnit.SECONDS)).isTrue();

        Instant closing = Instant.now();
        follower.close();

        assertThat(Duration.between(closing, Instant.now())).isLessThan(Duration.ofSeconds(5));
        assertThat(follower.isRunning()).isFalse();
        assertThat(follower.failure()).isEmpty();
    }

    @Test
    void pagesRefusesAChangeFeedWhosePagesNeverEnd() {
        stubPage(null, "c1", 1);

        assertThatThrownBy(() -> Pages.stream(cursor -> client.inventory().listStockChanges(
                ListStockChangesParams.builder().limit(100).cursor(cursor).build()),
                StockChangePage::getItems, StockChangePage::getNextCursor).count())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feeds()");
    }

    @Test
    void theLedgerFeedReadsOneAccountsEntriesFromTheStoredCursor() throws Exception {
        String entries = "/v1/ledger/accounts/42/entries";
        api.stubFor(get(urlPathEqualTo(entries)).withQueryParam("cursor", equalTo("e1")).willReturn(okJson(
                "{\"items\":[" + ledgerEntry(2) + "," + ledgerEntry(3) + "],\"nextCursor\":\"e3\"}")));
        api.stubFor(get(urlPathEqualTo(entries)).withQueryParam("cursor", equalTo("e3"))
                .willReturn(okJson("{\"items\":[],\"nextCursor\":\"e3\"}")));
        CursorStore cursors = CursorStore.inMemory();
        cursors.save("e1");
        List<String> seen = new CopyOnWriteArrayList<>();

        long handled = client.feeds().ledger("42").drain(cursors, page -> page.forEach(entry -> seen.add(entry.getId()
                + " " + entry.getEventType() + " " + entry.getAmount().getAmount())));

        assertThat(handled).isEqualTo(2);
        assertThat(seen).containsExactly("2 escrow_released -1200", "3 escrow_released -1200");
        assertThat(cursors.load()).contains("e3");
        api.verify(getRequestedFor(urlPathEqualTo(entries)).withQueryParam("limit", equalTo("1000")));
        assertThatThrownBy(() -> client.feeds().ledger(null)).isInstanceOf(NullPointerException.class);
    }

    private static String ledgerEntry(long id) {
        return """
                {"id":"%d","transactionId":"%d","amount":{"amount":-1200,"currency":"JPY"},"eventId":"%s",\
                "eventType":"escrow_released","subOrderId":"%s","postedAt":"2025-01-01T00:00:00Z"}"""
                .formatted(id, id, new java.util.UUID(2, id), new java.util.UUID(3, 1));
    }

    @Test
    void aFileCursorStoreReplacesItsFileWhole(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("cursors/stock.cursor");
        CursorStore cursors = CursorStore.file(file);

        assertThat(cursors.load()).isEmpty();
        cursors.save("c1");
        cursors.save("c2");
        assertThat(CursorStore.file(file).load()).as("read by a new process").contains("c2");
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
        cursors.clear();
        assertThat(cursors.load()).isEmpty();
    }

    private static void stubPage(String cursor, String nextCursor, long... positions) {
        api.stubFor(get(urlPathEqualTo(FEED)).withQueryParam("cursor", cursor == null ? absent() : equalTo(cursor))
                .willReturn(okJson(page(nextCursor, positions))));
    }

    private static String page(String nextCursor, long... positions) {
        StringBuilder items = new StringBuilder();
        for (long position : positions) {
            items.append(items.isEmpty() ? "" : ",").append("""
                    {"position":%d,"kind":"upserted","variantId":"%s","locationId":"%s","changedAt":"2025-01-01T00:00:00Z"}"""
                    .formatted(position, new java.util.UUID(0, position), new java.util.UUID(1, 1)));
        }
        return "{\"items\":[" + items + "],\"nextCursor\":\"" + nextCursor + "\"}";
    }
}
