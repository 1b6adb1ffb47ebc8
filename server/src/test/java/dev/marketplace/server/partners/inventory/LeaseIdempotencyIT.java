package dev.marketplace.server.partners.inventory;

import static dev.marketplace.schema.Tables.IDEMPOTENCY_RECORD;
import static dev.marketplace.schema.Tables.PARTNER_LEASE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A lease request's Idempotency-Key kept on the lease (decision 90), held to what the platform's filter guarantees
 * (IdempotencyIT): the same key and body replays the first answer, another body with the key is 422, concurrent
 * duplicates act once, a key older than the retention is free again; and no key of these requests reaches the
 * filter's table.
 */
class LeaseIdempotencyIT {

    private static final String LEASES = "/v1/partner-inventory/leases";
    private static final String ADDRESS = """
            {"shippingAddress":{"name":"Sato Yui","country":"JP","postalCode":"150-0001","region":"Tokyo",\
            "locality":"Shibuya-ku","line1":"1-2-3 Jingumae","phone":"+81 3-1234-5678"}}""";

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static UUID partnerId;
    private static String token;
    private static ActiveMerchant shop;
    /** Variants of the shop shared with the partner, by SKU: each test leases its own. */
    private static final java.util.Map<String, UUID> variants = new java.util.HashMap<>();

    @BeforeAll
    static void shareAShopWithAPartner() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID category = server.client().categories().createCategory(new CategoryCreate()
                .name("Goods " + UUID.randomUUID()).commissionRateBasisPoints(1000)).getId();
        shop = catalog.activeMerchant("Keyed Tea KK", category);
        for (String sku : List.of("KEY-ONE", "KEY-REUSE", "KEY-END", "KEY-RACE", "KEY-OLD")) {
            variants.put(sku, stocked(catalog, category, sku, sku.equals("KEY-ONE") ? 1 : 100));
        }
        partnerId = UUID.randomUUID();
        TestPartners.register(server, partnerId);
        shop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partnerId));
        server.client().partnerInventory().createAssortmentShare(new AssortmentShareCreate().partnerId(partnerId)
                .merchantId(shop.id()));
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Partner")
                .principalType(PrincipalType.PARTNER).principalId(partnerId)
                .scopes(List.of(Scope.PARTNER_INVENTORY_READ, Scope.LEASES_WRITE)));
        token = server.token(credentials.getClient().getClientId(), credentials.getClientSecret());
    }

    @Test
    void aCreateSentAgainIsAnsweredAsTheFirstWasEvenWhenItWouldNowBeRefused() throws Exception {
        UUID lastUnit = variants.get("KEY-ONE");
        String key = UUID.randomUUID().toString();
        String body = leaseOf(lastUnit, 1);
        HttpResponse<String> first = post(LEASES, key, body);
        HttpResponse<String> again = post(LEASES, key, body);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        // Sent again, it would be refused (the unit is held by the first): the first answer instead.
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(post(LEASES, UUID.randomUUID().toString(), body).statusCode()).as("a new key is a new request")
                .isEqualTo(409);

        // Committed since: a resend of the create still gets the create's answer.
        String leaseId = json(first).getString("id");
        assertThat(post(LEASES + "/" + leaseId + "/commit", UUID.randomUUID().toString(), ADDRESS).statusCode())
                .isEqualTo(200);
        HttpResponse<String> afterCommit = post(LEASES, key, body);
        assertThat(afterCommit.statusCode()).isEqualTo(201);
        assertThat(afterCommit.body()).isEqualTo(first.body());
        assertThat(leasesOf(lastUnit)).isEqualTo(1);
        assertThat(server.db().fetchCount(IDEMPOTENCY_RECORD, IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)))
                .as("the filter keeps none of these keys").isZero();
    }

    @Test
    void theSameKeyWithAnotherRequestIs422AndChangesNothing() throws Exception {
        UUID variant = variants.get("KEY-REUSE");
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = post(LEASES, key, leaseOf(variant, 1));
        assertThat(first.statusCode()).isEqualTo(201);

        HttpResponse<String> reused = post(LEASES, key, leaseOf(variant, 2));
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(json(reused).getString("code")).isEqualTo("idempotency_key_reused");
        HttpResponse<String> invalid = post(LEASES, key, "{\"lines\":[]}");
        assertThat(invalid.statusCode()).as("another body, even one that would be refused").isEqualTo(422);
        assertThat(leasesOf(variant)).isEqualTo(1);

        // An end's key: the same key to another end of the lease, or with another body, is 422.
        String lease = LEASES + "/" + json(first).getString("id");
        String commitKey = UUID.randomUUID().toString();
        assertThat(post(lease + "/commit", commitKey, ADDRESS).statusCode()).isEqualTo(200);
        HttpResponse<String> otherAddress = post(lease + "/commit", commitKey, ADDRESS.replace("Sato Yui", "Sato Ken"));
        assertThat(otherAddress.statusCode()).isEqualTo(422);
        assertThat(json(otherAddress).getString("code")).isEqualTo("idempotency_key_reused");
        assertThat(post(lease + "/release", commitKey, null).statusCode()).isEqualTo(422);
        // A failed request keeps no key: a create refused for its input, then corrected with the same key, runs.
        String corrected = UUID.randomUUID().toString();
        assertThat(post(LEASES, corrected, leaseOf(UUID.randomUUID(), 1)).statusCode()).isEqualTo(400);
        assertThat(post(LEASES, corrected, leaseOf(variant, 1)).statusCode()).isEqualTo(201);
    }

    @Test
    void aCommitAndAReleaseSentAgainAreReplayed() throws Exception {
        UUID variant = variants.get("KEY-END");
        String commitKey = UUID.randomUUID().toString();
        String committing = LEASES + "/" + json(post(LEASES, UUID.randomUUID().toString(), leaseOf(variant, 1)))
                .getString("id") + "/commit";
        HttpResponse<String> committed = post(committing, commitKey, ADDRESS);
        HttpResponse<String> again = post(committing, commitKey, ADDRESS);

        assertThat(committed.statusCode()).isEqualTo(200);
        assertThat(committed.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(again.body()).as("the order as answered, read back").isEqualTo(committed.body());
        HttpResponse<String> otherKey = post(committing, UUID.randomUUID().toString(), ADDRESS);
        assertThat(otherKey.statusCode()).as("committing a committed lease answers it, as before").isEqualTo(200);
        assertThat(otherKey.headers().firstValue("Idempotent-Replayed")).isEmpty();

        String releaseKey = UUID.randomUUID().toString();
        String releasing = LEASES + "/" + json(post(LEASES, UUID.randomUUID().toString(), leaseOf(variant, 1)))
                .getString("id") + "/release";
        HttpResponse<String> released = post(releasing, releaseKey, null);
        HttpResponse<String> releasedAgain = post(releasing, releaseKey, null);
        assertThat(released.statusCode()).isEqualTo(200);
        assertThat(releasedAgain.statusCode()).isEqualTo(200);
        assertThat(releasedAgain.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(releasedAgain.body()).isEqualTo(released.body());
        assertThat(post(releasing.replace("/release", "/commit"), releaseKey, ADDRESS).statusCode()).isEqualTo(422);
    }

    @Test
    void concurrentSendsOfOneKeyLeaseOnceAndCommitOnce() throws Exception {
        UUID variant = variants.get("KEY-RACE");
        String key = UUID.randomUUID().toString();
        String body = leaseOf(variant, 3);
        List<HttpResponse<String>> creates = all(10, () -> post(LEASES, key, body));

        assertThat(creates).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(201));
        assertThat(creates.stream().map(HttpResponse::body).distinct()).hasSize(1);
        assertThat(creates.stream().filter(answer -> answer.headers().firstValue("Idempotent-Replayed").isEmpty()))
                .as("run once, replayed to the others").hasSize(1);
        assertThat(leasesOf(variant)).isEqualTo(1);
        assertThat(shop.client().inventory().listStock(ListStockParams.builder().variantId(variant).build())
                .getItems().getFirst().getReserved()).isEqualTo(3);

        String commit = LEASES + "/" + json(creates.getFirst()).getString("id") + "/commit";
        String commitKey = UUID.randomUUID().toString();
        List<HttpResponse<String>> commits = all(10, () -> post(commit, commitKey, ADDRESS));
        assertThat(commits).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
        assertThat(commits.stream().filter(answer -> answer.headers().firstValue("Idempotent-Replayed").isEmpty()))
                .hasSize(1);
        assertThat(commits.stream().map(answer -> json(answer).getJsonObject("order").getString("id")).distinct())
                .as("one order").hasSize(1);
    }

    @Test
    void aCreateKeyOlderThanTheRetentionIsFreeAgain() throws Exception {
        UUID variant = variants.get("KEY-OLD");
        String key = UUID.randomUUID().toString();
        HttpResponse<String> first = post(LEASES, key, leaseOf(variant, 1));
        assertThat(first.statusCode()).isEqualTo(201);
        server.db().update(PARTNER_LEASE)
                .set(PARTNER_LEASE.CREATED_AT, OffsetDateTime.now().minus(Duration.ofHours(24).plusMinutes(1)))
                .where(PARTNER_LEASE.ID.eq(UUID.fromString(json(first).getString("id")))).execute();

        HttpResponse<String> reused = post(LEASES, key, leaseOf(variant, 2));
        assertThat(reused.statusCode()).as("a new request, not a conflicting reuse").isEqualTo(201);
        assertThat(reused.headers().firstValue("Idempotent-Replayed")).isEmpty();
        HttpResponse<String> again = post(LEASES, key, leaseOf(variant, 2));
        assertThat(again.headers().firstValue("Idempotent-Replayed")).as("the key now names the new lease")
                .contains("true");
        assertThat(again.body()).isEqualTo(reused.body());
        assertThat(leasesOf(variant)).isEqualTo(2);
    }

    private static List<HttpResponse<String>> all(int senders, java.util.concurrent.Callable<HttpResponse<String>> send)
            throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < senders; i++) {
                sent.add(threads.submit(() -> {
                    start.await();
                    return send.call();
                }));
            }
            start.countDown();
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : sent) {
                answers.add(answer.get());
            }
            return answers;
        }
    }

    /** A POST as the partner, with {@code key}; without a body when {@code body} is null. */
    private static HttpResponse<String> post(String path, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token)
                .header("Idempotency-Key", key);
        return server.send(body == null ? request.POST(HttpRequest.BodyPublishers.noBody()).build()
                : request.header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String leaseOf(UUID variant, long quantity) {
        return "{\"lines\":[{\"variantId\":\"" + variant + "\",\"quantity\":" + quantity + "}],\"holdSeconds\":600}";
    }

    private static JsonObject json(HttpResponse<String> response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }

    private static int leasesOf(UUID variant) {
        return server.db().fetchCount(PARTNER_LEASE, PARTNER_LEASE.PARTNER_ID.eq(partnerId)
                .and(PARTNER_LEASE.ID.in(server.db().select(dev.marketplace.schema.Tables.PARTNER_LEASE_LINE.LEASE_ID)
                        .from(dev.marketplace.schema.Tables.PARTNER_LEASE_LINE)
                        .where(dev.marketplace.schema.Tables.PARTNER_LEASE_LINE.VARIANT_ID.eq(variant)))));
    }

    private static UUID stocked(TestCatalog catalog, UUID category, String sku, long onHand) throws Exception {
        Product product = catalog.published(shop, TestCatalog.product(category, "Item " + sku, sku, 1000, "JPY"));
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = shop.client().inventory().createLocation(
                new LocationCreate().code("WH-" + sku).name("Warehouse " + sku)).getId();
        shop.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(onHand).sourceSequence(1L))));
        return variant;
    }
}
