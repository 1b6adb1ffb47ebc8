package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.model.CategoryCreate;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every POST carries an Idempotency-Key; other methods carry none. */
class IdempotencyKeyTest {

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final MarketplaceClient client = MarketplaceClient.builder().baseUri(URI.create(api.baseUrl())).build();

    @Test
    void eachPostGetsItsOwnRandomKey() throws Exception {
        api.stubFor(post("/v1/categories").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(Json.category("Food"))));

        client.categories().createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));
        client.categories().createCategory(new CategoryCreate().name("Tea").commissionRateBasisPoints(800));

        List<String> keys = api.findAll(postRequestedFor(urlPathEqualTo("/v1/categories"))).stream()
                .map(request -> request.getHeader("Idempotency-Key")).toList();
        assertThat(keys).hasSize(2).doesNotHaveDuplicates()
                .allSatisfy(key -> assertThat(UUID.fromString(key).version()).isEqualTo(4));
    }

    @Test
    void keyGivenByTheCallerIsKept() throws Exception {
        api.stubFor(post("/v1/categories").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody(Json.category("Food"))));

        client.categories().createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000),
                RequestOptions.builder().idempotencyKey("order-4711-food").build());

        LoggedRequest sent = api.findAll(postRequestedFor(urlPathEqualTo("/v1/categories"))).getFirst();
        assertThat(sent.getHeaders().getHeader("Idempotency-Key").values()).containsExactly("order-4711-food");
    }

    @Test
    void getCarriesNoKey() throws Exception {
        api.stubFor(get(urlPathEqualTo("/v1/categories")).willReturn(okJson(Json.categoryPage(null, "Food"))));

        client.categories().listCategories();

        api.verify(getRequestedFor(urlPathEqualTo("/v1/categories")).withHeader("Idempotency-Key", absent()));
    }
}
