package dev.marketplace.server.orders;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.catalog.VariantForSale;
import dev.marketplace.server.inventory.ReservationRequest;
import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.orders.OrderStateMachine.Action;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Checkout and the life of orders. Each public method is one transaction, except those taking a {@link DSLContext},
 * which run in the caller's (the payment service records a payment's outcome and the order's change together).
 */
public final class OrderService {

    /** Who reserves stock for checkouts: the orders domain itself, so only it can commit or release. */
    /** The job of {@link #expireUnpaid}. */
    public static final String UNPAID_EXPIRY_JOB = "orders.unpaid-expiry";
    private static final Principal CHECKOUT = Principal.system("orders.checkout");
    /**
     * How much longer than the payment deadline the stock stays reserved: a payment that started just before the
     * deadline can still commit it. The order expiry job releases it at the deadline when no payment is in flight.
     */
    private static final Duration RESERVATION_GRACE = Duration.ofMinutes(15);
    private static final int JOB_BATCH = 100;
    private static final System.Logger LOG = System.getLogger(OrderService.class.getName());

    private final DSLContext dsl;
    private final ProductService products;
    private final MerchantService merchants;
    private final ReservationService reservations;
    private final Pricing pricing;
    private final Duration paymentTimeout;
    private final Duration acceptWithin;
    private final CartRepository carts = new CartRepository();
    private final OrderRepository repository;
    private final OrderLifecycle lifecycle;
    private final OrderPoints points;
    private final OrderCoupons coupons;
    private final OrderAttribution attribution;
    private final SupplyFreshness supplyFreshness;

    public OrderService(DSLContext dsl, ProductService products, MerchantService merchants,
                        ReservationService reservations, TaxRates taxRates, Duration paymentTimeout,
                        Duration acceptWithin, PiiKeys piiKeys, OrderPoints points, OrderCoupons coupons,
                        OrderAttribution attribution, SupplyFreshness supplyFreshness) {
        this.dsl = dsl;
        this.points = points;
        this.coupons = coupons;
        this.attribution = attribution;
        this.supplyFreshness = supplyFreshness;
        this.repository = new OrderRepository(piiKeys);
        this.lifecycle = new OrderLifecycle(repository);
        this.products = products;
        this.merchants = merchants;
        this.reservations = reservations;
        this.pricing = new Pricing(taxRates);
        this.paymentTimeout = paymentTimeout;
        this.acceptWithin = acceptWithin;
    }

    /**
     * Turns the customer's cart into an order split per merchant at today's prices and tax rates, with every line's
     * stock reserved (all or nothing) until the payment deadline. A cart checks out once: a second checkout answers
     * 409 {@code cart_checked_out} naming the order. Refuses a cart whose prices changed since the shopper saw them
     * (409 {@code prices_changed}: set the lines again to accept), or that holds lines no longer sold (409
     * {@code lines_unavailable}).
     *
     * <p>The order and its reservation are written in one transaction, so a refusal leaves nothing to undo. The
     * cart is read, priced and checked outside it (no lock held meanwhile); the transaction then marks the cart
     * checked out only if its version is still the one read, so the order is always of the cart's current lines.
     * {@code redeemPoints} of the customer's loyalty points pay part of it ({@link OrderPoints#placed}), deducted in
     * the same transaction, after the coupons of {@code couponCodes} ({@link OrderCoupons#placed}) took their part.
     * The order's channel is recorded in it too ({@link OrderAttribution#placed}, from the placing client and
     * {@code channelCode}).
     */
    public Order checkout(Principal caller, UUID cartId, Order.ShippingAddress address, long redeemPoints,
                          List<String> couponCodes, Optional<String> channelCode) {
        UUID customer = caller.customer().orElseThrow(() -> new ProblemException(403, "customer_required", "Forbidden",
                "Checkout needs a token acting for the customer."));
        while (true) {
            Cart cart = carts.find(dsl, caller, cartId, false).orElseThrow(CartService::notFound);
            if (cart.checkedOutOrderId() != null) {
                throw CartService.checkedOut(cart);
            }
            if (!customer.equals(cart.customerId())) {
                throw ProblemException.conflict("cart_not_claimed",
                        "Claim the cart for the customer before checking it out.");
            }
            if (cart.lines().isEmpty()) {
                throw ProblemException.conflict("cart_empty", "The cart has no lines.");
            }
            List<Pricing.Item> items = itemsOf(cart);
            ReservationRequest stock = new ReservationRequest(items.stream()
                    .map(item -> new ReservationRequest.Line(item.variant().variantId(), item.quantity(), Optional.empty()))
                    .toList(), paymentTimeout.plus(RESERVATION_GRACE));
            // Most refusals of a sold-out item end here, before any transaction or lock; the reservation decides.
            reservations.refuseIfVisiblyShort(stock);
            List<Pricing.MerchantPart> parts = pricing.price(items);
            Optional<Order> placed = dsl.transactionResult(tx -> place(tx.dsl(), caller, customer, cart, parts, address,
                    stock, redeemPoints, couponCodes, channelCode));
            if (placed.isPresent()) {
                return placed.get();
            }
            // The cart changed (or was checked out) since it was read: decide again on what it is now. Only the
            // storefront's own writes to this cart make this repeat, each one a change committed meanwhile.
        }
    }

    private List<Pricing.Item> itemsOf(Cart cart) {
        Map<UUID, VariantForSale> variants = products.variantsForSale(
                cart.lines().stream().map(Cart.Line::variantId).toList());
        Set<UUID> active = merchants.activeAmong(
                variants.values().stream().map(VariantForSale::merchantId).distinct().toList());
        List<String> unavailable = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<Pricing.Item> items = new ArrayList<>();
        // Drop-shipped goods whose supplier has not been synced recently enough are not sold (decision 39).
        Set<UUID> staleSupply = supplyFreshness.staleAmong(variants.keySet());
        for (Cart.Line line : cart.lines()) {
            VariantForSale variant = variants.get(line.variantId());
            if (!CartService.isOffered(variant, active) || staleSupply.contains(line.variantId())) {
                unavailable.add(line.variantId().toString());
            } else if (!variant.price().equals(line.seenPrice())) {
                changed.add(line.variantId().toString());
            } else {
                items.add(new Pricing.Item(variant, line.quantity()));
            }
        }
        if (!unavailable.isEmpty()) {
            throw ProblemException.conflict("lines_unavailable",
                    "Some lines are no longer sold (unpublished, or their merchant cannot take orders); remove them.")
                    .with("variantIds", unavailable);
        }
        if (!changed.isEmpty()) {
            throw ProblemException.conflict("prices_changed",
                    "Prices changed since the shopper saw them; set those lines again to accept the new prices.")
                    .with("variantIds", changed);
        }
        return items;
    }

    /**
     * Writes the order built in memory (nothing is read back) and reserves its stock last, so the stock levels'
     * row locks are held only from the reservation to the commit. Empty when the cart is no longer the version read.
     */
    private Optional<Order> place(DSLContext db, Principal caller, UUID customer, Cart cart,
                                  List<Pricing.MerchantPart> parts, Order.ShippingAddress address,
                                  ReservationRequest stock, long redeemPoints, List<String> couponCodes,
                                  Optional<String> channelCode) {
        UUID orderId = UUID.randomUUID();
        if (!carts.markCheckedOut(db, cart.id(), cart.version(), orderId)) {
            return Optional.empty();
        }
        UUID reservationId = UUID.randomUUID();
        Money subtotal = parts.stream().map(Pricing.MerchantPart::subtotal).reduce(Money::plus).orElseThrow();
        Money tax = parts.stream().map(Pricing.MerchantPart::tax).reduce(Money::plus).orElseThrow();
        // PostgreSQL keeps microseconds: the answer shows the deadline as stored.
        OffsetDateTime due = OffsetDateTime.now(ZoneOffset.UTC).plus(paymentTimeout).truncatedTo(ChronoUnit.MICROS);
        List<UUID> subOrderIds = parts.stream().map(part -> UUID.randomUUID()).toList();
        Money discount = redeem(db, customer, orderId, due, parts, subOrderIds, redeemPoints, couponCodes);
        // Every timestamp the order's rows get by default is now(): the transaction's start, the same for all.
        OffsetDateTime now = repository.insertOrder(db, new OrderRepository.NewOrder(orderId, caller.id(), customer,
                cart.id(), subtotal, tax, discount, subtotal.plus(tax).minus(discount), address, reservationId, due));
        List<Order.SubOrder> subOrders = subOrdersOf(parts, subOrderIds, now);
        repository.insertSubOrders(db, orderId, subOrders);
        attribution.placed(db, caller, orderId, customer, channelCode, subOrders.stream()
                .map(s -> new OrderAttribution.SubOrder(s.id(), s.merchantId(), s.subtotal(), s.total())).toList());
        List<Order.Transition> history = lifecycle.placed(db, orderId, caller.id(), customer, subOrders,
                actorOf(caller), now);
        reservations.reserve(db, CHECKOUT, reservationId, stock);
        return Optional.of(new Order(orderId, caller.id(), customer, cart.id(), OrderStatus.PLACED, subtotal, tax,
                discount, subtotal.plus(tax).minus(discount), address, reservationId, false, due,
                subOrders.stream().sorted(OrderRepository.SUB_ORDERS_AS_LISTED).toList(), history, 1, now, now));
    }

    /** The sub-orders of priced parts (one per merchant), awaiting payment, with their lines and commission. */
    private static List<Order.SubOrder> subOrdersOf(List<Pricing.MerchantPart> parts, List<UUID> subOrderIds,
                                                    OffsetDateTime now) {
        List<Order.SubOrder> subOrders = new ArrayList<>();
        for (Pricing.MerchantPart part : parts) {
            UUID subOrderId = subOrderIds.get(subOrders.size());
            List<Order.Line> lines = new ArrayList<>();
            Money commission = Money.zero(part.subtotal().currency());
            for (Pricing.PricedLine line : part.lines()) {
                VariantForSale variant = line.variant();
                int rate = variant.commissionRateBasisPoints();
                commission = commission.plus(line.subtotal().timesBasisPoints(rate, RoundingMode.HALF_EVEN));
                lines.add(new Order.Line(lines.size(), variant.variantId(), variant.productId(), variant.sku(),
                        variant.title(), line.quantity(), variant.price(), line.subtotal(), line.taxRateBasisPoints(),
                        line.tax(), rate));
            }
            subOrders.add(new Order.SubOrder(subOrderId, part.merchantId(), SubOrderStatus.PENDING_PAYMENT,
                    part.subtotal(), part.tax(), part.total(), commission, lines, 1, now, now));
        }
        return subOrders;
    }

    /** A line of a partner order: the variant as sold, {@code variant.price()} being the partner's price. */
    public record PartnerLine(VariantForSale variant, long quantity) {
    }

    /**
     * In the caller's transaction: a partner order (decision 38), placed and paid at once on the partner's account —
     * no cart and no payment provider: the partner is the order's storefront and customer of record, and its total a
     * receivable from the partner ({@code partner_order_charged}). Priced and taxed like a checkout, at the lines'
     * prices. Its stock is already held by {@code reservationId}; {@link #commitStock} sells it once this
     * transaction has committed, as after a payment. Its sub-orders then await their merchants like any other.
     */
    public Order placePartnerOrder(DSLContext db, UUID partnerId, UUID orderId, UUID reservationId,
                                   List<PartnerLine> lines, Order.ShippingAddress address) {
        List<Pricing.MerchantPart> parts = pricing.price(lines.stream()
                .map(line -> new Pricing.Item(line.variant(), line.quantity())).toList());
        Money subtotal = parts.stream().map(Pricing.MerchantPart::subtotal).reduce(Money::plus).orElseThrow();
        Money tax = parts.stream().map(Pricing.MerchantPart::tax).reduce(Money::plus).orElseThrow();
        Money total = subtotal.plus(tax);
        OffsetDateTime now = repository.insertOrder(db, new OrderRepository.NewOrder(orderId, partnerId, partnerId,
                null, subtotal, tax, Money.zero(subtotal.currency()), total, address, reservationId,
                OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS)));
        List<Order.SubOrder> subOrders = subOrdersOf(parts, parts.stream().map(part -> UUID.randomUUID()).toList(), now);
        repository.insertSubOrders(db, orderId, subOrders);
        String actor = Principal.subjectOf(PrincipalType.PARTNER, partnerId);
        lifecycle.placed(db, orderId, partnerId, partnerId, subOrders, actor, now);
        paid(db, repository.get(db, orderId), actor, "paid on the partner's account",
                List.of(MoneyMovement.partnerOrderCharged(partnerId, Parties.ofOrder(orderId, partnerId), total)));
        return repository.get(db, orderId);
    }

    /**
     * The order's lines for the promotions domain, whose coupons discount them first, then for the points domain,
     * which spends the points on what the coupons left; answers the discount they make together.
     */
    private Money redeem(DSLContext db, UUID customer, UUID orderId, OffsetDateTime due, List<Pricing.MerchantPart> parts,
                         List<UUID> subOrderIds, long redeemPoints, List<String> couponCodes) {
        List<OrderCoupons.Line> lines = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            List<Pricing.PricedLine> priced = parts.get(i).lines();
            for (int number = 0; number < priced.size(); number++) {
                Pricing.PricedLine line = priced.get(number);
                lines.add(new OrderCoupons.Line(subOrderIds.get(i), parts.get(i).merchantId(), number,
                        line.variant().productId(), line.variant().categoryId(), line.quantity(), line.subtotal()));
            }
        }
        Money[] couponDiscounts = coupons.placed(db, customer, orderId, due, lines, couponCodes);
        List<OrderPoints.Line> pointsLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            OrderCoupons.Line line = lines.get(i);
            pointsLines.add(new OrderPoints.Line(line.subOrderId(), line.merchantId(), line.lineNumber(),
                    line.categoryId(), line.quantity(), line.subtotal().minus(couponDiscounts[i])));
        }
        String currency = parts.getFirst().subtotal().currency();
        return Arrays.stream(points.placed(db, customer, orderId, due, pointsLines, redeemPoints))
                .reduce(Arrays.stream(couponDiscounts).reduce(Money.zero(currency), Money::plus), Money::plus);
    }

    /** The points domain as orders use it, for the fulfilment module's cancellations and returns. */
    OrderPoints points() {
        return points;
    }

    /** The promotions domain as orders use it, for the fulfilment module's cancellations and returns. */
    OrderCoupons coupons() {
        return coupons;
    }

    public Order get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id, false).orElseThrow(OrderService::notFound);
    }

    public Page<Order> list(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, page), page.limit(), OrderRepository::cursorOf);
    }

    /** The order the caller may see, locked for a payment decision, in the caller's transaction. */
    public Order lockForPayment(DSLContext tx, Principal caller, UUID orderId) {
        return repository.find(tx, caller, orderId, true).orElseThrow(OrderService::notFound);
    }

    /**
     * In the caller's transaction: the order is paid (its sub-orders now await the merchants' acceptance, within
     * the acceptance period from now), with the
     * money events of the capture (held in escrow) and of each merchant's commission. Recording it again changes
     * nothing.
     */
    public void markPaid(DSLContext tx, UUID orderId, UUID paymentId, Money captured, String actor) {
        Order order = repository.get(tx, orderId);
        if (order.status() == OrderStatus.PAID) {
            return;
        }
        Parties orderParties = Parties.ofOrder(orderId, order.customerId());
        paid(tx, order, actor, "payment " + paymentId + " captured", List.of(
                MoneyMovement.paymentAuthorized(paymentId, orderParties, captured),
                MoneyMovement.paymentCaptured(paymentId, orderParties, captured)));
    }

    /** The order is paid with {@code charge} (its money events): its sub-orders await acceptance, commission accrues. */
    private void paid(DSLContext tx, Order order, String actor, String reason, List<MoneyMovement> charge) {
        lifecycle.move(tx, order, Action.PAY, actor, reason);
        charge.forEach(movement -> DomainEvents.append(tx, movement));
        new FulfilmentRepository().setAcceptanceDue(tx, order.id(), OffsetDateTime.now(ZoneOffset.UTC).plus(acceptWithin));
        for (Order.SubOrder subOrder : order.subOrders()) {
            lifecycle.move(tx, order, subOrder, Action.PAY, actor, "order paid");
            DomainEvents.append(tx, MoneyMovement.commissionAccrued(
                    new Parties(order.id(), subOrder.id(), subOrder.merchantId(), order.customerId()), subOrder.commission()));
        }
    }

    /**
     * Sells the paid order's reserved stock (its own transaction, after the payment's). Safe to repeat; the recovery
     * job calls it for paid orders a crash left uncommitted.
     */
    public void commitStock(UUID orderId) {
        Order order = repository.get(dsl, orderId);
        if (order.status() != OrderStatus.PAID || order.stockCommitted()) {
            return;
        }
        reservations.commit(CHECKOUT, order.reservationId());
        dsl.transaction(tx -> repository.markStockCommitted(tx.dsl(), orderId));
    }

    /** Commits the stock of paid orders a crash left uncommitted; returns how many. */
    public int commitPaidStock() {
        List<UUID> orders = repository.paidWithUncommittedStock(dsl, JOB_BATCH);
        orders.forEach(this::commitStock);
        return orders.size();
    }

    /**
     * The expiry job: placed orders past their payment deadline with no payment in flight become {@code expired}
     * and their stock is released. Safe on every node at once (SKIP LOCKED); returns how many expired.
     */
    public int expireUnpaid() {
        int expired = 0;
        while (true) {
            List<Order> batch = dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                List<Order> orders = repository.lockOverdueUnpaid(db, JOB_BATCH).stream()
                        .map(id -> repository.get(db, id)).toList();
                orders.forEach(order -> expire(db, order));
                return orders;
            });
            for (Order order : batch) {
                try {
                    reservations.release(CHECKOUT, order.reservationId());
                } catch (RuntimeException e) {
                    // The reservation's own expiry releases it later; the order is expired either way.
                    LOG.log(System.Logger.Level.WARNING, "releasing the stock of expired order " + order.id() + " failed", e);
                }
            }
            expired += batch.size();
            if (batch.size() < JOB_BATCH) {
                return expired;
            }
        }
    }

    private void expire(DSLContext db, Order order) {
        String actor = "system";
        lifecycle.move(db, order, Action.EXPIRE, actor, "not paid by " + order.paymentDueAt());
        for (Order.SubOrder subOrder : order.subOrders()) {
            lifecycle.move(db, order, subOrder, Action.EXPIRE, actor, "order expired");
        }
    }

    /** In the caller's transaction: whose money a movement of this sub-order is. */
    public Parties partiesOf(DSLContext tx, UUID subOrderId) {
        Order order = repository.get(tx, new FulfilmentRepository().orderOf(tx, subOrderId));
        Order.SubOrder subOrder = order.subOrders().stream().filter(s -> s.id().equals(subOrderId)).findFirst().orElseThrow();
        return new Parties(order.id(), subOrderId, subOrder.merchantId(), order.customerId());
    }

    /**
     * In the caller's transaction: the sub-order's lines in line order (settlement charges commission on them), or
     * empty for a sub-order this domain does not know.
     */
    public Optional<List<Order.Line>> linesOf(DSLContext tx, UUID subOrderId) {
        return repository.orderOfSubOrder(tx, subOrderId).map(orderId -> repository.get(tx, orderId).subOrders().stream()
                        .filter(s -> s.id().equals(subOrderId)).findFirst().orElseThrow().lines().stream()
                        .sorted(Comparator.comparingInt(Order.Line::lineNumber)).toList());
    }

    /**
     * One line of a sub-order as its customer bought it, for reviews (decision 40): a line of a delivered
     * sub-order is what a verified buyer may review.
     */
    public record PurchasedLine(UUID orderId, UUID storefrontId, UUID customerId, UUID subOrderId, UUID merchantId,
                                int lineNumber, UUID productId, SubOrderStatus status) {
        public boolean delivered() {
            return status == SubOrderStatus.DELIVERED || status == SubOrderStatus.CLOSED;
        }
    }

    /**
     * In the caller's transaction: the line of a sub-order of the calling customer's own orders; empty when there is
     * no such line or the order is not the caller's (another customer's is not found, like every other tenant's).
     */
    public Optional<PurchasedLine> purchasedLine(DSLContext tx, Principal caller, UUID subOrderId, int lineNumber) {
        return repository.orderOfSubOrder(tx, subOrderId)
                .flatMap(orderId -> repository.find(tx, caller, orderId, false))
                .filter(order -> caller.customer().filter(order.customerId()::equals).isPresent())
                .flatMap(order -> order.subOrders().stream().filter(s -> s.id().equals(subOrderId)).findFirst()
                        .flatMap(subOrder -> subOrder.lines().stream().filter(l -> l.lineNumber() == lineNumber)
                                .findFirst()
                                .map(line -> new PurchasedLine(order.id(), order.storefrontId(), order.customerId(),
                                        subOrderId, subOrder.merchantId(), lineNumber, line.productId(),
                                        subOrder.status()))));
    }

    /**
     * A merchant's acceptance and shipping against their deadlines over [{@code from}, {@code to}); shipping is
     * due {@code shipWithin} after acceptance (no order carries a promised ship date of its own).
     */
    public FulfilmentTimes fulfilmentTimes(UUID merchantId, OffsetDateTime from, OffsetDateTime to,
                                           Duration shipWithin, OffsetDateTime now) {
        return repository.fulfilmentTimes(dsl, merchantId, from, to, shipWithin, now);
    }

    /** How a transition names who made it: {@code customer:<id> via storefront:<id>}, {@code merchant:<id>}… */
    static String actorOf(Principal caller) {
        return caller.customer().map(c -> "customer:" + c + " via " + caller.subject()).orElse(caller.subject());
    }

    static ProblemException notFound() {
        return ProblemException.notFound("order");
    }
}
