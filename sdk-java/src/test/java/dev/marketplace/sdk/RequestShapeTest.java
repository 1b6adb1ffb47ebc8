package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.marketplace.sdk.api.ListingsApi.ListListingsParams;
import dev.marketplace.sdk.api.OauthApi;
import dev.marketplace.sdk.api.OauthApi.RequestTokenForm;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryUpdate;
import dev.marketplace.sdk.model.ProductUpdate;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shape of every call (decision 34): query parameters as one object, RequestOptions last, overloads without a body. */
class RequestShapeTest {

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final MarketplaceClient client = MarketplaceClient.builder().baseUri(URI.create(api.baseUrl()))
            .maxRetries(0).build();

    @Test
    void queryParametersAreSentFromTheParamsObjectAndUnsetOnesAreLeftOut() {
        UUID merchant = UUID.randomUUID();
        api.stubFor(get(urlPathEqualTo("/v1/listings")).willReturn(okJson("{\"items\":[]}")));
        ListListingsParams params = ListListingsParams.builder().q("緑茶 tea").merchantId(merchant).inStock(true).limit(10).build();

        client.listings().listListings(params);
        client.listings().listListings();

        api.verify(getRequestedFor(urlPathEqualTo("/v1/listings")).withQueryParam("q", equalTo("緑茶 tea"))
                .withQueryParam("merchantId", equalTo(merchant.toString())).withQueryParam("inStock", equalTo("true"))
                .withQueryParam("limit", equalTo("10")).withQueryParam("cursor", absent()).withQueryParam("sort", absent()));
        api.verify(getRequestedFor(urlPathEqualTo("/v1/listings")).withQueryParam("q", absent()));
        assertThat(params.toBuilder().cursor("c2").build()).isNotEqualTo(params)
                .isEqualTo(params.toBuilder().cursor("c2").build());
        assertThat(params.toString()).isEqualTo("ListListingsParams{q=緑茶 tea, merchantId=" + merchant + ", inStock=true, limit=10}");
    }

    @Test
    void theOAuthFormEndpointsTakeATypedFormWhoseUnsetFieldsAreLeftOutAndWhoseToStringShowsNoSecret() {
        api.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(okJson(
                "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\"catalog:read\"}")));
        RequestTokenForm form = RequestTokenForm.builder().grantType("client_credentials").scope("catalog:read")
                .clientId("erp").clientSecret("s3cret").build();

        new OauthApi(client.apiClient()).requestToken(form);

        api.verify(postRequestedFor(urlPathEqualTo("/oauth2/token"))
                .withHeader("Content-Type", matching("application/x-www-form-urlencoded.*"))
                .withRequestBody(equalTo("grant_type=client_credentials&scope=catalog%3Aread&client_id=erp&client_secret=s3cret")));
        assertThat(form.toString()).doesNotContain("s3cret").contains("clientSecret");
        assertThat(form.toBuilder().scope("orders:read").build()).isNotEqualTo(form);
        assertThatThrownBy(() -> new OauthApi(client.apiClient()).requestToken(RequestTokenForm.builder().build()))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("grantType");
    }

    @Test
    void requestOptionsSetTheIdempotencyKeyIfMatchAndExtraHeaders() {
        UUID category = UUID.randomUUID();
        api.stubFor(post(urlPathEqualTo("/v1/categories")).willReturn(aResponse().withStatus(201)));
        api.stubFor(patch(urlPathEqualTo("/v1/categories/" + category)).willReturn(aResponse().withStatus(200)));

        client.categories().createCategory(new CategoryCreate().name("Tea"),
                RequestOptions.builder().idempotencyKey("category-tea").header("X-Request-Id", "erp-42").build());
        client.categories().updateCategory(category, new CategoryUpdate().name("Green tea"),
                RequestOptions.builder().ifMatch(3).build());

        api.verify(postRequestedFor(urlPathEqualTo("/v1/categories")).withHeader("Idempotency-Key", equalTo("category-tea"))
                .withHeader("X-Request-Id", equalTo("erp-42")));
        api.verify(patchRequestedFor(urlPathEqualTo("/v1/categories/" + category)).withHeader("If-Match", equalTo("\"3\""))
                .withHeader("Idempotency-Key", absent()));
    }

    @Test
    void aNullableFieldLeftUnsetIsLeftOutAndOneSetToNullIsSentAsNull() {
        UUID product = UUID.randomUUID();
        api.stubFor(patch(urlPathEqualTo("/v1/products/" + product)).willReturn(okJson("{}")));

        client.products().updateProduct(product, new ProductUpdate().version(3L));
        client.products().updateProduct(product, new ProductUpdate().handlingDays(null).version(4L));

        api.verify(patchRequestedFor(urlPathEqualTo("/v1/products/" + product))
                .withRequestBody(equalToJson("{\"version\": 3}")));
        api.verify(patchRequestedFor(urlPathEqualTo("/v1/products/" + product))
                .withRequestBody(equalToJson("{\"handlingDays\": null, \"version\": 4}")));
    }

    @Test
    void requestOptionsRefuseToReplaceTheSdksOwnHeadersAndComeOnePerCall() {
        assertThatThrownBy(() -> RequestOptions.builder().header("Authorization", "Bearer x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RequestOptions.builder().header("idempotency-key", "k"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use idempotencyKey");
        assertThatThrownBy(() -> client.categories().getCategory(UUID.randomUUID(), RequestOptions.builder().build(),
                RequestOptions.builder().build())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.categories().getCategory(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("categoryId");
    }

    @Test
    void aTimeoutForOneCallEndsItAsACommunicationException() {
        api.stubFor(get(urlPathEqualTo("/v1/listings")).willReturn(okJson("{\"items\":[]}").withFixedDelay(2_000)));

        MarketplaceException.CommunicationException e = catchThrowableOfType(MarketplaceException.CommunicationException.class,
                () -> client.listings().listListings(RequestOptions.builder().timeout(Duration.ofMillis(200)).build()));

        assertThat(e).hasCauseInstanceOf(HttpTimeoutException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.CONNECTION_FAILED);
    }

    @Test
    void anActionWhoseBodyIsAllOptionalHasAnOverloadSendingAnEmptyObject() {
        UUID subOrder = UUID.randomUUID();
        api.stubFor(post(urlPathEqualTo("/v1/sub-orders/" + subOrder + "/accept")).willReturn(aResponse().withStatus(200)));

        client.fulfilment().acceptSubOrder(subOrder);

        api.verify(postRequestedFor(urlPathEqualTo("/v1/sub-orders/" + subOrder + "/accept"))
                .withRequestBody(equalToJson("{}")).withHeader("Idempotency-Key", matching(".+")));
    }

    @Test
    void errorCodesAreConstantsAndUnknownOnesPassThrough() {
        assertThat(ErrorCode.of("version_conflict")).isSameAs(ErrorCode.VERSION_CONFLICT);
        assertThat(ErrorCode.VERSION_CONFLICT.isKnown()).isTrue();
        ErrorCode newer = ErrorCode.of("loyalty_tier_frozen");
        assertThat(newer.isKnown()).isFalse();
        assertThat(newer).isEqualTo(ErrorCode.of("loyalty_tier_frozen")).hasToString("loyalty_tier_frozen");
        assertThat(ErrorCode.values()).contains(ErrorCode.CURSOR_EXPIRED).doesNotContain(newer);
    }
}
