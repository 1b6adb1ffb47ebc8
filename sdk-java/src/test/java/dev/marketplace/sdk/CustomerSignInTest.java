package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.CategoriesApi.ListCategoriesParams;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A customer's session renews a rejected access token with its refresh token, and keeps the rotated one. */
class CustomerSignInTest {

    private static final String TOKEN = "/api/oauth2/token";
    private static final String CATEGORIES = "/api/v1/categories";

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @Test
    void aRejectedAccessTokenIsRenewedWithTheRefreshTokenWhichRotates() throws Exception {
        api.stubFor(post(urlPathEqualTo(TOKEN)).withRequestBody(containing("grant_type=authorization_code"))
                .willReturn(okJson(tokens("a1", "r1"))));
        api.stubFor(post(urlPathEqualTo(TOKEN)).withRequestBody(containing("refresh_token=r1"))
                .willReturn(okJson(tokens("a2", "r2"))));
        api.stubFor(get(urlPathEqualTo(CATEGORIES)).withHeader("Authorization", equalTo("Bearer a1"))
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
        api.stubFor(get(urlPathEqualTo(CATEGORIES)).withHeader("Authorization", equalTo("Bearer a2"))
                .willReturn(okJson(Json.categoryPage(null, "Tea"))));
        List<String> saved = new CopyOnWriteArrayList<>();
        CustomerSignIn signIn = CustomerSignIn.builder().baseUri(URI.create(api.baseUrl() + "/api/"))
                .client("shop", "shop-secret").redirectUri(URI.create("https://shop.example/back"))
                .onRefreshTokenChanged(saved::add).build();
        CustomerSignIn.Request request = signIn.start();

        CustomerSession session = signIn.complete(request,
                URI.create("https://shop.example/back?code=c1&state=" + request.state()));
        var page = session.client().categories().listCategories(ListCategoriesParams.builder().limit(10).build());

        assertThat(page.getItems()).hasSize(1);
        assertThat(session.refreshToken()).isEqualTo("r2");
        assertThat(saved).containsExactly("r2");
        assertThat(request.authorizationUrl().toString()).startsWith(api.baseUrl() + "/api/oauth2/authorize?");
        api.verify(1, postRequestedFor(urlPathEqualTo(TOKEN)).withRequestBody(containing("refresh_token=r1")));
        api.verify(postRequestedFor(urlPathEqualTo(TOKEN)).withRequestBody(containing("code_verifier=" + request.codeVerifier()))
                .withHeader("Authorization", containing("Basic ")));
        api.verify(2, getRequestedFor(urlPathEqualTo(CATEGORIES)));
    }

    private static String tokens(String accessToken, String refreshToken) {
        return """
                {"access_token":"%s","token_type":"Bearer","expires_in":300,"refresh_token":"%s","scope":"customers:read"}"""
                .formatted(accessToken, refreshToken);
    }
}
