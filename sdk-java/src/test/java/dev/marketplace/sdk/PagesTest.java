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

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.CategoriesApi.ListCategoriesParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryPage;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pages walks the cursors lazily and yields the items of all pages in order. */
class PagesTest {

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final UUID PARENT = UUID.randomUUID();

    private final MarketplaceClient client = MarketplaceClient.builder()
            .baseUri(URI.create(api.baseUrl())).maxRetries(0).build();

    @Test
    void itemsOfAllPagesComeInOrder() {
        stubPages(okJson(Json.categoryPage(null, "Eggs")));

        List<String> names = new ArrayList<>();
        for (Category category : allChildren()) {
            names.add(category.getName());
        }

        assertThat(names).containsExactly("Apples", "Bread", "Cheese", "Dates", "Eggs");
        api.verify(3, getRequestedFor(urlPathEqualTo("/v1/categories"))
                .withQueryParam("parentId", equalTo(PARENT.toString())).withQueryParam("limit", equalTo("2")));
    }

    @Test
    void nextPageIsFetchedOnlyWhenNeeded() {
        stubPages(okJson(Json.categoryPage(null, "Eggs")));
        Iterator<Category> categories = allChildren().iterator();

        categories.next();
        categories.next();
        api.verify(1, getRequestedFor(urlPathEqualTo("/v1/categories")));
        categories.next();
        api.verify(2, getRequestedFor(urlPathEqualTo("/v1/categories")));
    }

    @Test
    void streamStopsFetchingWhenTheConsumerStops() {
        stubPages(okJson(Json.categoryPage(null, "Eggs")));

        List<String> firstThree = Pages.stream(
                        cursor -> client.categories().listCategories(
                                ListCategoriesParams.builder().parentId(PARENT).limit(2).cursor(cursor).build()),
                        CategoryPage::getItems, CategoryPage::getNextCursor)
                .limit(3).map(Category::getName).toList();

        assertThat(firstThree).containsExactly("Apples", "Bread", "Cheese");
        api.verify(2, getRequestedFor(urlPathEqualTo("/v1/categories")));
    }

    @Test
    void failedConnectionIsACommunicationException() {
        stubPages(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        Iterator<Category> categories = allChildren().iterator();
        for (int i = 0; i < 4; i++) {
            categories.next();
        }

        assertThatThrownBy(categories::next).isInstanceOf(MarketplaceException.CommunicationException.class)
                .hasCauseInstanceOf(java.io.IOException.class);
    }

    private Iterable<Category> allChildren() {
        return Pages.all(cursor -> client.categories().listCategories(
                ListCategoriesParams.builder().parentId(PARENT).limit(2).cursor(cursor).build()),
                CategoryPage::getItems, CategoryPage::getNextCursor);
    }

    /** Two full pages, then {@code thirdPage}. */
    private static void stubPages(ResponseDefinitionBuilder thirdPage) {
        api.stubFor(get(urlPathEqualTo("/v1/categories")).withQueryParam("cursor", absent())
                .willReturn(okJson(Json.categoryPage("c1", "Apples", "Bread"))));
        api.stubFor(get(urlPathEqualTo("/v1/categories")).withQueryParam("cursor", equalTo("c1"))
                .willReturn(okJson(Json.categoryPage("c2", "Cheese", "Dates"))));
        api.stubFor(get(urlPathEqualTo("/v1/categories")).withQueryParam("cursor", equalTo("c2")).willReturn(thirdPage));
    }
}
