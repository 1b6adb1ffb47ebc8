package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.MerchantSubOrder;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Delivery reported by the carrier: a sub-order shipped in two parcels is delivered, and its escrow released once,
 * when the second parcel is; repeated, forged or unknown reports change nothing.
 */
class CarrierDeliveryIT {

    private static final String SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("yamato-webhook-secret-32-bytes!!".getBytes(StandardCharsets.UTF_8));

    @RegisterExtension
    static final TestServer server = new TestServer().with("carriers.yamato.webhook.secret", SECRET);

    @Test
    void theLastParcelDeliveredDeliversTheSubOrderAndReleasesItsEscrowOnce() throws Exception {
        Shop shop = new Shop(server, 1000);
        ActiveMerchant tea = shop.merchant("Kyoto Tea Co., Ltd.");
        Item sencha = shop.item(tea, "PARCEL-1", 1_000, 10, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, sencha)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        UUID part = order.getSubOrders().getFirst().getId();
        tea.client().fulfilment().acceptSubOrder(part, new StatusChangeReason());
        ship(tea, part, "4000-0000-0001");
        ship(tea, part, "4000-0000-0002");

        assertThat(carrier("yamato", "evt-1", "4000-0000-0001", "delivered").statusCode()).isEqualTo(204);
        assertThat(status(tea, part)).as("one parcel of two").isEqualTo(SubOrderStatus.SHIPPED);
        assertThat(carrier("yamato", "evt-2", "4000-0000-0002", "in_transit").statusCode()).isEqualTo(204);
        assertThat(status(tea, part)).isEqualTo(SubOrderStatus.SHIPPED);

        assertThat(carrier("Yamato", "evt-3", "4000-0000-0002", "delivered").statusCode()).isEqualTo(204);
        assertThat(carrier("yamato", "evt-3", "4000-0000-0002", "delivered").statusCode()).as("again").isEqualTo(204);

        MerchantSubOrder delivered = tea.client().fulfilment().getSubOrder(part);
        assertThat(delivered.getStatus()).isEqualTo(SubOrderStatus.DELIVERED);
        assertThat(delivered.getEscrowReleasedAt()).isNotNull();
        assertThat(shop.moneyEvents(order.getId())).containsOnlyOnce("escrow_released");
        assertThat(customer.orders().getOrder(order.getId()).getHistory())
                .anySatisfy(step -> assertThat(step.getActor()).isEqualTo("carrier:yamato"));
    }

    @Test
    void forgedUnknownAndMalformedReportsAreRefused() throws Exception {
        assertThat(carrier("sagawa", "evt-9", "1", "delivered").statusCode()).as("no such carrier").isEqualTo(404);
        assertThat(carrier("yamato", "evt-9", "9999-unknown", "delivered").statusCode()).as("no such parcel").isEqualTo(404);
        assertThat(carrier("yamato", "evt-9", "1", "lost").statusCode()).isEqualTo(400);
        StandardWebhooks forger = new StandardWebhooks("whsec_" + Base64.getEncoder()
                .encodeToString("not-the-carrier-secret-32-bytes!".getBytes(StandardCharsets.UTF_8)), Duration.ofMinutes(5));
        HttpResponse<String> forged = server.send(request("yamato", "evt-9", event("1", "delivered"), forger));
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(forged.body()).contains("invalid_webhook");
    }

    private static void ship(ActiveMerchant merchant, UUID subOrder, String trackingNumber) throws Exception {
        merchant.client().fulfilment().shipSubOrder(subOrder, new ShipmentCreate().carrier("Yamato")
                .trackingNumber(trackingNumber).lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
    }

    private static SubOrderStatus status(ActiveMerchant merchant, UUID subOrder) throws Exception {
        return merchant.client().fulfilment().getSubOrder(subOrder).getStatus();
    }

    private static HttpResponse<String> carrier(String carrier, String id, String trackingNumber, String status) {
        return server.send(request(carrier, id, event(trackingNumber, status),
                new StandardWebhooks(SECRET, Duration.ofMinutes(5))));
    }

    private static String event(String trackingNumber, String status) {
        return "{\"trackingNumber\":\"" + trackingNumber + "\",\"status\":\"" + status + "\"}";
    }

    private static HttpRequest request(String carrier, String id, String body, StandardWebhooks signer) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/webhooks/carriers/" + carrier))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        signer.sign(id, Instant.now(), bytes).forEach(request::header);
        return request.build();
    }
}
