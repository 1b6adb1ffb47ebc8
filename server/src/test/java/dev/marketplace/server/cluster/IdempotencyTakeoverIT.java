package dev.marketplace.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.cluster.ClusterShop.Item;
import dev.marketplace.server.cluster.ClusterShop.Seller;
import dev.marketplace.server.platform.crash.CrashPoints;
import dev.marketplace.server.testing.ClusterNodes;
import dev.marketplace.server.testing.TestDatabases;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A checkout whose node is SIGKILLed in the middle (decision 62): the client's retry with the same Idempotency-Key on
 * another node is run at once — the dead node's liveness lock went with its process — not after the key's one-minute
 * lease, and it places one order.
 */
class IdempotencyTakeoverIT {

    private static ClusterNodes cluster;
    private static DSLContext db;
    private static ClusterShop shop;
    private static Seller seller;

    @BeforeAll
    static void startCluster() throws Exception {
        String databaseUrl = TestDatabases.newDatabase();
        db = TestDatabases.dsl(databaseUrl);
        cluster = ClusterNodes.start(2, databaseUrl, Map.of());
        shop = new ClusterShop(cluster, db);
        seller = shop.seller("Takeover Goods K.K.");
    }

    @AfterAll
    static void stopCluster() {
        ClusterIT.stop(cluster, null);
    }

    @Test
    void theRetryOfACheckoutWhoseNodeWasKilledRunsAtOnceOnAnotherNodeAndPlacesOneOrder() throws Exception {
        Item item = shop.item(seller, "TAKEOVER", 1_000, 5);
        String token = shop.customerToken(UUID.randomUUID());
        UUID cart = ClusterShop.cartWith(cluster.withToken(token), item, 2);
        String key = "takeover-" + cart;

        cluster.arm(CrashPoints.CHECKOUT_RESERVED);
        assertThatThrownBy(() -> ClusterNodes.sendDirect(checkout(0, token, key, cart)))
                .as("node 0 dies inside the checkout").isInstanceOf(UncheckedIOException.class);
        assertThat(cluster.awaitCrash(CrashPoints.CHECKOUT_RESERVED, Duration.ofSeconds(30))).isZero();
        assertThat(db.fetchValue("SELECT count(*) FROM idempotency_record WHERE idempotency_key = ? AND state = 'in_flight'"
                + " AND locked_until > clock_timestamp() + interval '30 seconds'", key))
                .as("the dead node's claim, its lease still running").isEqualTo(1L);

        long retried = System.nanoTime();
        HttpResponse<String> retry = ClusterNodes.sendDirect(checkout(1, token, key, cart));
        Duration took = Duration.ofNanos(System.nanoTime() - retried);

        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
        assertThat(took).as("not held until the lease ends").isLessThan(Duration.ofSeconds(10));
        assertThat(shop.count("SELECT count(*) FROM customer_order WHERE cart_id = ?", cart)).isEqualTo(1);
        assertThat(shop.stock(item)).as("only the retried checkout's reservation").containsExactly(5L, 2L);
        HttpResponse<String> again = ClusterNodes.sendDirect(checkout(1, token, key, cart));
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(again.body()).isEqualTo(retry.body());
    }

    private static HttpRequest checkout(int node, String token, String key, UUID cart) {
        return HttpRequest.newBuilder(cluster.uri(node).resolve("/v1/orders"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"cartId": "%s", "shippingAddress": {"name": "Sato Yui", "country": "JP", "postalCode": "150-0001",
                         "region": "Tokyo", "locality": "Shibuya-ku", "line1": "1-2-3 Jingumae", "phone": "+81 3-1234-5678"}}
                        """.formatted(cart)))
                .build();
    }
}
