package dev.marketplace.server.orders;

import dev.marketplace.server.platform.contact.PhoneNumber;
import dev.marketplace.server.platform.contact.PostalAddress;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.AuditTrail;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code /v1/orders}: checkout and customer orders. Parses, delegates, renders. */
public final class OrderHttpService implements HttpService {

    public static final String PATH = "/v1/orders";
    /** The most points one checkout may name (the spec's maximum); the programme's own per-order limit is lower. */
    static final long MAX_REDEEM_POINTS = 10_000_000;
    /** One platform coupon and one per merchant apply (decision 42); more codes than this are surely a mistake. */
    static final int MAX_COUPON_CODES = 10;

    private final OrderService orders;
    private final FulfilmentService fulfilment;
    private final CheckoutTurns checkouts;

    public OrderHttpService(OrderService orders, FulfilmentService fulfilment, CheckoutTurns checkouts) {
        this.orders = orders;
        this.fulfilment = fulfilment;
        this.checkouts = checkouts;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::checkout)
                .get("/", this::list)
                .get("/{orderId}", (req, res) -> JsonResponses.ok(res,
                        OrderResource.of(orders.get(Authentication.principal(req), id(req)))))
                .post("/{orderId}/cancel", this::cancel);
    }

    /** The JSON representation (see {@code Order} in the OpenAPI document). */
    public record OrderResource(UUID id, UUID customerId, UUID cartId, String status, Money subtotal, Money tax,
                                Money discount, Money total, Order.ShippingAddress shippingAddress,
                                OffsetDateTime paymentDueAt, List<SubOrderResource> subOrders,
                                List<TransitionResource> history, long version, OffsetDateTime createdAt,
                                OffsetDateTime updatedAt, Order.Channel channel) {
        public static OrderResource of(Order order) {
            return new OrderResource(order.id(), order.customerId(), order.cartId(), order.status().wireName(),
                    order.subtotal(), order.tax(), order.discount(), order.total(), order.shippingAddress(),
                    order.paymentDueAt(), order.subOrders().stream().map(SubOrderResource::of).toList(),
                    order.history().stream().map(TransitionResource::of).toList(), order.version(), order.createdAt(),
                    order.updatedAt(), order.channel());
        }
    }

    public record SubOrderResource(UUID id, UUID merchantId, String status, Money subtotal, Money tax, Money total,
                                   Money commission, List<LineResource> lines, long version) {
        static SubOrderResource of(Order.SubOrder subOrder) {
            return new SubOrderResource(subOrder.id(), subOrder.merchantId(), subOrder.status().wireName(),
                    subOrder.subtotal(), subOrder.tax(), subOrder.total(), subOrder.commission(),
                    subOrder.lines().stream().map(LineResource::of).toList(), subOrder.version());
        }
    }

    public record LineResource(int lineNumber, UUID variantId, UUID productId, String sku, Map<String, String> title,
                               long quantity, Money unitPrice, Money subtotal, int taxRateBasisPoints, Money tax) {
        static LineResource of(Order.Line line) {
            return new LineResource(line.lineNumber(), line.variantId(), line.productId(), line.sku(), line.title(),
                    line.quantity(), line.unitPrice(), line.subtotal(), line.taxRateBasisPoints(), line.tax());
        }
    }

    public record TransitionResource(UUID subOrderId, String from, String to, String actor, String reason,
                                     OffsetDateTime occurredAt) {
        static TransitionResource of(Order.Transition transition) {
            return new TransitionResource(transition.subOrderId(), transition.from(), transition.to(),
                    transition.actor(), transition.reason(), transition.occurredAt());
        }
    }

    public record OrderPage(List<OrderResource> items, String nextCursor) {
    }

    private void checkout(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObjectBeforeClaim(req), "cartId", "shippingAddress", "redeemPoints",
                "couponCodes", "channelCode");
        UUID cartId = body.requiredUuid("cartId");
        JsonFields address = body.requiredObject("shippingAddress",
                "name", "country", "postalCode", "region", "locality", "line1", "line2", "phone");
        String name = address.requiredString("name", 1, Order.ShippingAddress.NAME_MAX);
        PostalAddress postal = PostalAddress.read(address, "locality");
        PhoneNumber phone = PhoneNumber.required(address, "phone");
        long redeemPoints = body.optionalLong("redeemPoints", 0, MAX_REDEEM_POINTS).orElse(0L);
        List<String> couponCodes = body.optionalStrings("couponCodes", MAX_COUPON_CODES, 3, 40).orElse(List.of());
        Optional<String> channelCode = body.optionalString("channelCode", 3, 64);
        body.throwIfInvalid();
        Order.ShippingAddress shippingAddress = Order.ShippingAddress.of(name, postal, phone);
        CheckoutRequest request = new CheckoutRequest(cartId, shippingAddress, redeemPoints, couponCodes, channelCode);
        Principal caller = Authentication.principal(req);
        Runnable refuseFromMemory = () -> orders.refuseKnownSoldOutFromMemory(caller, cartId);
        AtomicBoolean claimed = new AtomicBoolean();
        Order order;
        try {
            // A flash sale's refusals after the sell-out: from memory, before the key is claimed (decision 79), on
            // arrival and while waiting for a turn, which comes before the key and the cart too (decision 88): a
            // buyer waiting for the sale's last units is refused the moment they are gone, having cost no statement.
            // Such a buyer waits past the queue time while others check out the same variant (decision 93).
            refuseFromMemory.run();
            order = checkouts.take(orders.announcedVariants(caller, cartId), () -> {
                refuseFromMemory.run(); // a waiter woken as the sale ended: still nothing read or claimed
                claimed.set(true);
                JsonBody.claimIdempotencyKey(req);
                return orders.checkout(caller, request);
            }, refuseFromMemory);
        } catch (ProblemException decidedBeforeTheKey) {
            if (!claimed.get()) { // refused from memory, or shed: nothing was read or changed
                AuditTrail.recordInBatch(req);
            }
            throw decidedBeforeTheKey;
        }
        res.header(HeaderNames.LOCATION, PATH + "/" + order.id());
        JsonResponses.send(res, Status.CREATED_201, OrderResource.of(order));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reason");
        String reason = body.optionalString("reason", 1, 500).orElse("cancelled by the customer");
        body.throwIfInvalid();
        JsonResponses.ok(res, OrderResource.of(fulfilment.cancelOrder(Authentication.principal(req), id, reason)));
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<Order> result = orders.list(Authentication.principal(req), page);
        JsonResponses.ok(res, new OrderPage(result.items().stream().map(OrderResource::of).toList(), result.nextCursor()));
    }

    private static UUID id(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("orderId")).orElseThrow(OrderService::notFound);
    }
}
