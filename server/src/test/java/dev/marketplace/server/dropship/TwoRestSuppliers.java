package dev.marketplace.server.dropship;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.marketplace.sdk.api.DropshipApi;
import dev.marketplace.sdk.model.DropshipConnection;
import dev.marketplace.sdk.model.DropshipConnectionCreate;
import dev.marketplace.sdk.model.DropshipConnectorKind;
import dev.marketplace.sdk.model.DropshipForwarding;
import dev.marketplace.sdk.model.DropshipPricingRule;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** A primary and a backup REST supplier played by one WireMock under {@code /primary} and {@code /backup}. */
final class TwoRestSuppliers {

    private TwoRestSuppliers() {
    }

    /**
     * A server that runs the drop-ship jobs only when the test does, and whose outbound breakers open after two failed
     * calls of two and stay open for {@code waitInOpenState}.
     */
    static TestServer server(Duration waitInOpenState) {
        return new TestServer().with("points.base-rate-bp", "0")
                .with("dropship.jobs.sweep", "PT1H")
                .with("dropship.require-https", "false")
                .with("outbound.allowed-private-networks.0", "127.0.0.1/32")
                .with("outbound.defaults.timeout", "PT0.5S")
                .with("outbound.defaults.initial-backoff", "PT0.001S")
                .with("outbound.defaults.max-backoff", "PT0.002S")
                .with("outbound.defaults.sliding-window-size", "2")
                .with("outbound.defaults.minimum-number-of-calls", "2")
                .with("outbound.defaults.wait-in-open-state", waitInOpenState.toString());
    }

    /** Both suppliers issue tokens; the primary's catalog is one product with one variant, {@code PRI-1}. */
    static void stubTokensAndCatalog(WireMockServer supplier) {
        for (String side : List.of("primary", "backup")) {
            supplier.stubFor(post(urlPathEqualTo("/" + side + "/v1/authentication/getAccessToken")).willReturn(okJson("""
                    {"code": 200, "result": true, "data": {"accessToken": "tok", "accessTokenExpiryDate": "2099-01-01T00:00:00Z"}}""")));
        }
        supplier.stubFor(get(urlPathEqualTo("/primary/v1/product/list")).willReturn(okJson("""
                {"code": 200, "result": true, "data": {"total": 1, "list": [{"pid": "P1", "productNameEn": "Oak spoon",
                 "variants": [{"vid": "V1", "variantSku": "PRI-1", "variantSellPrice": 400}]}]}}""")));
    }

    /** The merchant's connection to the supplier at {@code side}. */
    static DropshipConnection connect(WireMockServer supplier, DropshipApi dropship, String side, UUID category,
            DropshipForwarding forwarding) {
        return dropship.createDropshipConnection(new DropshipConnectionCreate().name(side)
                .kind(DropshipConnectorKind.REST).baseUrl(supplier.baseUrl() + "/" + side).apiKey("key-" + side)
                .currency("JPY").pricing(new DropshipPricingRule().markupBasisPoints(15_000))
                .forwarding(forwarding).defaultCategoryId(category));
    }
}
