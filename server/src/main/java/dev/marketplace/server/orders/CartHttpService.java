package dev.marketplace.server.orders;

import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code /v1/carts}: storefront carts priced by the server. Parses, delegates, renders. */
public final class CartHttpService implements HttpService {

    public static final String PATH = "/v1/carts";
    private static final long QUANTITY_MAX = 999;

    private final CartService carts;

    public CartHttpService(CartService carts) {
        this.carts = carts;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/{cartId}", (req, res) -> send(res, carts.get(Authentication.principal(req), id(req, "cartId"))))
                .put("/{cartId}/lines/{variantId}", this::setLine)
                .delete("/{cartId}/lines/{variantId}", (req, res) -> send(res, carts.removeLine(
                        Authentication.principal(req), id(req, "cartId"), lineId(req))))
                .post("/{cartId}/claim", (req, res) -> send(res, carts.claim(Authentication.principal(req), id(req, "cartId"))))
                .post("/{cartId}/discount-preview", this::previewDiscount);
    }

    /** The JSON representation (see {@code Cart} in the OpenAPI document). */
    public record CartResource(UUID id, UUID customerId, String status, UUID orderId, List<LineResource> lines,
                               Money subtotal, Money tax, Money total, long version, OffsetDateTime createdAt,
                               OffsetDateTime updatedAt) {
        static CartResource of(CartView view) {
            Cart cart = view.cart();
            return new CartResource(cart.id(), cart.customerId(), cart.checkedOutOrderId() == null ? "open" : "checked_out",
                    cart.checkedOutOrderId(), view.lines().stream().map(LineResource::of).toList(), view.subtotal(),
                    view.tax(), view.total(), cart.version(), cart.createdAt(), cart.updatedAt());
        }
    }

    public record LineResource(UUID variantId, UUID productId, UUID merchantId, String sku, Map<String, String> title,
                               long quantity, Money unitPrice, Money seenUnitPrice, boolean priceChanged,
                               String availability, long availableQuantity, Money subtotal, Money tax) {
        static LineResource of(CartView.LineView line) {
            return new LineResource(line.variantId(), line.productId(), line.merchantId(), line.sku(), line.title(),
                    line.quantity(), line.unitPrice(), line.seenUnitPrice(), line.priceChanged(),
                    line.availability().wireName(), line.availableQuantity(), line.subtotal(), line.tax());
        }
    }

    /** The JSON representation (see {@code CartDiscountPreview} in the OpenAPI document). */
    public record DiscountPreviewResource(UUID cartId, Money subtotal, Money tax, Money total, Money discount,
                                          Money toPay, long redeemedPoints, List<PreviewLineResource> lines,
                                          List<PreviewCouponResource> coupons, List<PreviewFunderResource> funders) {
        static DiscountPreviewResource of(CartDiscountPreview preview) {
            return new DiscountPreviewResource(preview.cartId(), preview.subtotal(), preview.tax(), preview.total(),
                    preview.discount(), preview.toPay(), preview.redeemedPoints(),
                    preview.lines().stream().map(line -> new PreviewLineResource(line.variantId(), line.merchantId(),
                            line.subtotal(), line.couponDiscount(), line.pointsDiscount())).toList(),
                    preview.coupons().stream().map(coupon -> new PreviewCouponResource(coupon.couponId(),
                            coupon.code(), coupon.name(), coupon.merchantId() == null ? "platform" : "merchant",
                            coupon.merchantId(), coupon.amount())).toList(),
                    preview.funders().entrySet().stream().map(funder -> PreviewFunderResource.of(funder.getKey(),
                            funder.getValue())).toList());
        }
    }

    public record PreviewLineResource(UUID variantId, UUID merchantId, Money subtotal, Money couponDiscount,
                                      Money pointsDiscount) {
    }

    public record PreviewCouponResource(UUID couponId, String code, String name, String fundedBy, UUID merchantId,
                                        Money amount) {
    }

    public record PreviewFunderResource(String fundedBy, UUID merchantId, Money coupons, Money points) {
        /** From a funder as the coupons and points lots name it: {@code platform} or {@code merchant:{id}}. */
        static PreviewFunderResource of(String funder, CartDiscountPreview.Funded funded) {
            return funder.startsWith("merchant:")
                    ? new PreviewFunderResource("merchant", UUID.fromString(funder.substring("merchant:".length())),
                            funded.coupons(), funded.points())
                    : new PreviewFunderResource("platform", null, funded.coupons(), funded.points());
        }
    }

    private void previewDiscount(ServerRequest req, ServerResponse res) {
        UUID cartId = id(req, "cartId");
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "couponCodes", "redeemPoints");
        long redeemPoints = body.optionalLong("redeemPoints", 0, OrderHttpService.MAX_REDEEM_POINTS).orElse(0L);
        List<String> couponCodes = body.optionalStrings("couponCodes", OrderHttpService.MAX_COUPON_CODES, 3, 40)
                .orElse(List.of());
        body.throwIfInvalid();
        JsonResponses.ok(res, DiscountPreviewResource.of(carts.previewDiscount(Authentication.principal(req), cartId,
                couponCodes, redeemPoints)));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields.of(JsonBody.readObject(req)).throwIfInvalid();
        CartView created = carts.create(Authentication.principal(req));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.cart().id());
        JsonResponses.send(res, Status.CREATED_201, CartResource.of(created));
    }

    private void setLine(ServerRequest req, ServerResponse res) {
        UUID cartId = id(req, "cartId");
        UUID variantId = lineId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "quantity");
        Integer quantity = body.requiredInt("quantity", 1, (int) QUANTITY_MAX);
        body.throwIfInvalid();
        send(res, carts.setLine(Authentication.principal(req), cartId, variantId, quantity));
    }

    private static void send(ServerResponse res, CartView view) {
        JsonResponses.ok(res, CartResource.of(view));
    }

    /** A malformed id cannot name a cart: answered like an unknown one. */
    private static UUID id(ServerRequest req, String name) {
        return Ids.parse(req.path().pathParameters().get(name)).orElseThrow(CartService::notFound);
    }

    private static UUID lineId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("variantId"))
                .orElseThrow(() -> ProblemException.notFound("cart line"));
    }
}
