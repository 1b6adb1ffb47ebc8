package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request schema without properties (CartCreate) is generated as Object; any object is sent as {}. */
class EmptyBodyTest {

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @Test
    void aNewObjectIsSentAsAnEmptyJsonObject() throws Exception {
        UUID cartId = UUID.randomUUID();
        api.stubFor(post(urlPathEqualTo("/v1/carts")).willReturn(okJson("""
                {"id":"%s","status":"open","lines":[],"version":1,"createdAt":"2025-01-01T00:00:00Z",\
                "updatedAt":"2025-01-01T00:00:00Z"}""".formatted(cartId)).withStatus(201)));
        MarketplaceClient client = MarketplaceClient.builder().baseUri(URI.create(api.baseUrl())).build();

        assertThat(client.carts().createCart(new Object()).getId()).isEqualTo(cartId);
        api.verify(postRequestedFor(urlPathEqualTo("/v1/carts")).withRequestBody(equalToJson("{}")));
    }
}
