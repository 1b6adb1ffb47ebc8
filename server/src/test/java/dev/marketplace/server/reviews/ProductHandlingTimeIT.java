package dev.marketplace.server.reviews;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ProductsApi.ListProductsParams;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.MerchantHandlingTime;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.ProductUpdate;
import dev.marketplace.sdk.model.ServiceLevelMeasure;
import dev.marketplace.server.reviews.ReviewShop.Item;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 22 (decision 65): a product's own handling time overrides its merchant's, a sub-order is promised by its
 * longest line, and the service level "shipping" measures that promise. Bad values are refused and change nothing.
 * The service levels run on the server's movable clock, orders on real time.
 */
class ProductHandlingTimeIT {

    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(clock);

    private static ReviewShop shop;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new ReviewShop(server);
    }

    @Test
    void aSubOrderIsPromisedByItsLongestLineAndTheShippingLevelMeasuresThatPromise() throws Exception {
        // A merchant promising one day, with one product of its own slower pace (5 days) and one on the merchant's.
        ActiveMerchant merchant = shop.merchant("Hand Roasted Tea K.K.");
        merchant.client().merchants().putMerchantHandlingTime(merchant.id(), new MerchantHandlingTime().days(1));
        Item sencha = shop.item(merchant, "Sencha", "HT-SEN");
        Item roasted = shop.item(merchant, "Hand roasted hojicha", "HT-HOJ", 5);
        assertThat(merchant.client().products().getProduct(roasted.productId()).getHandlingDays()).isEqualTo(5);
        assertThat(merchant.client().products().getProduct(sencha.productId()).getHandlingDays()).isNull();
        // A merchant on the marketplace's default (3 days) whose product ships the same day: an override may be shorter.
        ActiveMerchant usual = shop.merchant("Same Day Matcha K.K.");
        Item matcha = shop.item(usual, "Matcha", "HT-MAT", 0);

        OffsetDateTime beforePayment = OffsetDateTime.now();
        Order both = shop.paidOrder(shop.customer(UUID.randomUUID()), sencha, roasted);
        Order senchaOnly = shop.paidOrder(shop.customer(UUID.randomUUID()), sencha);
        Order matchaOnly = shop.paidOrder(shop.customer(UUID.randomUUID()), matcha);
        OffsetDateTime afterPayment = OffsetDateTime.now();
        UUID bothSubOrder = shop.accepted(both, merchant);
        UUID senchaSubOrder = shop.accepted(senchaOnly, merchant);
        UUID matchaSubOrder = shop.accepted(matchaOnly, usual);

        assertThat(merchant.client().fulfilment().getSubOrder(bothSubOrder).getShipByAt())
                .as("the longest line: the product's 5 days").isBetween(beforePayment.plusDays(5), afterPayment.plusDays(5));
        assertThat(merchant.client().fulfilment().getSubOrder(senchaSubOrder).getShipByAt())
                .as("the merchant's day").isBetween(beforePayment.plusDays(1), afterPayment.plusDays(1));
        assertThat(usual.client().fulfilment().getSubOrder(matchaSubOrder).getShipByAt())
                .as("the product's 0 days, not the default 3").isBetween(beforePayment, afterPayment);

        // Two days on, nothing shipped: only the sub-order of the merchant's own day is due (and missed); the one
        // holding the 5-day product is not due yet, although its merchant promises one day.
        clock.advance(Duration.ofDays(2));
        server.runJob(ReviewsModule.EVALUATION_JOB);
        assertThat(shipping(merchant)).satisfies(measure -> {
            assertThat(measure.getDue()).isEqualTo(1);
            assertThat(measure.getInTime()).isZero();
        });
        assertThat(shipping(usual).getDue()).as("the same-day promise has passed").isEqualTo(1);

        // Six days on, the 5-day promise has passed too.
        clock.advance(Duration.ofDays(4));
        server.runJob(ReviewsModule.EVALUATION_JOB);
        assertThat(shipping(merchant).getDue()).isEqualTo(2);
    }

    @Test
    void badHandlingTimesAreRefusedAndChangeNothingAndNullGivesTheMerchantsBack() throws Exception {
        ActiveMerchant merchant = shop.merchant("Careful Tea K.K.");
        Item kabusecha = shop.item(merchant, "Kabusecha", "HT-KAB", 2);
        Product published = merchant.client().products().getProduct(kabusecha.productId());
        int productsBefore = productsOf(merchant);

        ValidationException tooLong = catchThrowableOfType(ValidationException.class, () -> merchant.client().products()
                .createProduct(TestCatalog.product(UUID.randomUUID(), "Gyokuro", "HT-GYO", 2_000, "JPY")
                        .handlingDays(61)));
        assertThat(tooLong.problem().getErrors()).extracting(FieldError::getField).contains("handlingDays");
        assertThat(productsOf(merchant)).as("nothing created").isEqualTo(productsBefore);

        ValidationException negative = catchThrowableOfType(ValidationException.class, () -> merchant.client()
                .products().updateProduct(published.getId(), new ProductUpdate().handlingDays(-1)
                        .version(published.getVersion())));
        assertThat(negative.problem().getErrors()).extracting(FieldError::getField).containsExactly("handlingDays");
        HttpResponse<String> notANumber = server.send(server.request("/v1/products/" + published.getId())
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(
                        "{\"handlingDays\": \"2\", \"version\": " + published.getVersion() + "}")).build());
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(notANumber.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(notANumber.body()).contains("handlingDays");
        Product unchanged = merchant.client().products().getProduct(published.getId());
        assertThat(unchanged.getVersion()).isEqualTo(published.getVersion());
        assertThat(unchanged.getHandlingDays()).isEqualTo(2);

        // A changed handling time is not listed content: the product stays published.
        Product changed = merchant.client().products().updateProduct(published.getId(),
                new ProductUpdate().handlingDays(4).version(published.getVersion()));
        assertThat(changed.getHandlingDays()).isEqualTo(4);
        assertThat(changed.getStatus()).isEqualTo(ProductStatus.PUBLISHED);
        assertThat(changed.getVersion()).isEqualTo(published.getVersion() + 1);

        // Through the SDK: a field left unset is not sent and stays; one set to null is sent and takes the product
        // back to its merchant's handling time.
        Product untouched = merchant.client().products().updateProduct(published.getId(),
                new ProductUpdate().version(changed.getVersion()));
        assertThat(untouched.getHandlingDays()).isEqualTo(4);
        Product cleared = merchant.client().products().updateProduct(published.getId(),
                new ProductUpdate().handlingDays(null).version(changed.getVersion()));
        assertThat(cleared.getHandlingDays()).isNull();
        assertThat(cleared.getVersion()).isEqualTo(changed.getVersion() + 1);
        assertThat(merchant.client().products().getProduct(published.getId()).getHandlingDays()).isNull();
    }

    private static ServiceLevelMeasure shipping(ActiveMerchant merchant) {
        return merchant.client().serviceLevels().getServiceLevels(merchant.id()).getMeasures().stream()
                .filter(m -> m.getName() == ServiceLevelMeasure.NameEnum.SHIPPING).findFirst().orElseThrow();
    }

    private static int productsOf(ActiveMerchant merchant) {
        return merchant.client().products().listProducts(ListProductsParams.builder().limit(200).build())
                .getItems().size();
    }
}
