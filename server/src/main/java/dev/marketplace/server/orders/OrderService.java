package dev.marketplace.server.orders;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.catalog.VariantForSale;
import dev.marketplace.server.inventory.ReservationRequest;
import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.orders.OrderStateMachine.Action;
import dev.marketplace.server.platform.crash.CrashPoints;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.events.DomainEvent;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.UnflushedCommit;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.steps.Steps;
import dev.marketplace.server.platform.steps.Steps.Next;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.impl.DefaultConnectionProvider;

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
    /** The history's reasons of a partner order's payment and of any order's sub-orders paid. */
    private static final String PARTNER_PAID = "paid on the partner's account";
    private static final String SUB_ORDER_PAID = "order paid";
    private static final System.Logger LOG = System.getLogger(OrderService.class.getName());

    private final DSLContext dsl;
    private final ProductService products;
    private final MerchantService merchants;
    private final ReservationService reservations;
    private final Pricing pricing;
    private final Duration paymentTimeout;
    private final Duration acceptWithin;
    private final Duration handlingTime;
    /** The handling time of the constructor without one (tests); the server reads orders.handling-time.default. */
    static final Duration DEFAULT_HANDLING_TIME = Duration.ofDays(3);
    private final CartRepository carts = new CartRepository();
    private final OrderRepository repository;
    private final OrderLifecycle lifecycle;
    private final OrderPorts ports;
    private final OpenCarts openCarts;
    private final CheckoutAnnouncements announcements;
    private final LongAdder refusedBeforeTheKey = new LongAdder();
    /**
     * Checkout as its steps (decision 30). All but the last read and refuse without a transaction or a lock, a variant
     * known sold out before anything but the cart is read (decision 70); the last is {@link #placing}.
     */
    private final Steps<Checkout> checkoutSteps = Steps.<Checkout>of("checkout")
            .step("read the cart; refuse one checked out, not the customer's, or empty", this::readCart)
            .step("refuse lines whose variant is known sold out", this::refuseKnownSoldOut)
            .step("price the cart; refuse lines no longer sold (or of stale supply) and changed prices", this::price)
            .step("refuse stock visibly short", this::refuseVisiblyShort)
            .step("place the order in one transaction", this::placeInOneTransaction);
    /**
     * The steps of checkout's transaction. Every one writes to this database only, so the rollback is the
     * compensation of each (coupon uses and budget, points spent, the order's rows, its attribution, its history and
     * events, the reservation): a step that fails leaves nothing of the steps before it. A changed cart stops the
     * steps before anything is written, and checkout starts again.
     */
    private final Steps<Checkout> placing = Steps.<Checkout>of("checkout's transaction")
            .step("mark the cart checked out, unless it changed since it was read", this::markCartCheckedOut)
            .step("apply the coupons (their uses and budgets counted)", this::applyCoupons)
            .step("spend the points on what the coupons left", this::spendPoints)
            .step("write the order and its sub-orders", this::writeOrder)
            .step("attribute the order to its channel", this::attribute)
            .step("record the placement in the history, with its event", this::recordPlaced)
            .step("have the cart's checkout announced, before the stock levels' locks", this::awaitAnnouncement)
            .step("reserve the stock, last: its row locks are held until the commit", this::reserve)
            .step("pay an order with nothing left to pay at once, without the payment provider", this::payNothingDue);

    public OrderService(DSLContext dsl, ProductService products, MerchantService merchants,
                        ReservationService reservations, TaxRates taxRates, Duration paymentTimeout,
                        Duration acceptWithin, PiiKeys piiKeys, OrderPorts ports) {
        this(dsl, products, merchants, reservations, taxRates, paymentTimeout, acceptWithin, DEFAULT_HANDLING_TIME,
                piiKeys, ports, new OpenCarts(), CheckoutAnnouncements.inTheCheckoutsTransaction());
    }

    /**
     * With {@code handlingTime}: the promise from payment to shipment of a merchant that set none of its own; and
     * {@code openCarts}, the carts as announced, for refusals before the Idempotency-Key is claimed; {@code
     * announcements}, how a checkout announces its cart checked out to every node's.
     */
    OrderService(DSLContext dsl, ProductService products, MerchantService merchants,
                 ReservationService reservations, TaxRates taxRates, Duration paymentTimeout,
                 Duration acceptWithin, Duration handlingTime, PiiKeys piiKeys, OrderPorts ports,
                 OpenCarts openCarts, CheckoutAnnouncements announcements) {
        this.dsl = dsl;
        this.openCarts = openCarts;
        this.announcements = announcements;
        this.ports = ports;
        this.repository = new OrderRepository(piiKeys, ports.attribution());
        this.lifecycle = new OrderLifecycle(repository);
        this.products = products;
        this.merchants = merchants;
        this.reservations = reservations;
        this.pricing = new Pricing(taxRates);
        this.paymentTimeout = paymentTimeout;
        this.acceptWithin = acceptWithin;
        this.handlingTime = handlingTime;
    }

    /**
     * Turns the customer's cart into an order split per merchant at today's prices and tax rates, with every line's
     * stock reserved (all or nothing) until the payment deadline: {@link #checkoutSteps}, then {@link #placing} in
     * one transaction. A cart checks out once: a second checkout answers 409 {@code cart_checked_out} naming the
     * order. Refuses a cart whose prices changed since the shopper saw them (409 {@code prices_changed}: set the lines
     * again to accept), or that holds lines no longer sold (409 {@code lines_unavailable}).
     *
     * <p>The cart is read, priced and checked outside the transaction (no lock held meanwhile); the transaction then
     * marks the cart checked out only if its version is still the one read, so the order is always of the cart's
     * current lines. {@code redeemPoints} of the customer's loyalty points pay part of it ({@link OrderPoints#placed}),
     * after the coupons of {@code couponCodes} ({@link OrderCoupons#placed}) took their part. The order's channel is
     * recorded in it too ({@link OrderAttribution#placed}).
     */
    public Order checkout(Principal caller, CheckoutRequest request) {
        UUID customer = caller.customer().orElseThrow(() -> new ProblemException(403, "customer_required", "Forbidden",
                "Checkout needs a token acting for the customer."));
        while (true) {
            Checkout run = checkoutSteps.run(new Checkout(caller, customer, request));
            if (run.order != null && run.order.status() == OrderStatus.PAID) {
                commitStock(run.order.id()); // as after a captured payment, once the order's transaction committed
                return repository.get(dsl, run.order.id());
            }
            if (run.order != null) {
                return run.order;
            }
            // The cart changed (or was checked out) since it was read: decide again on what it is now. Only the
            // storefront's own writes to this cart make this repeat, each one a change committed meanwhile.
        }
    }

    /**
     * Refuses (409 {@code insufficient_stock}, as {@link #checkout} would) a checkout of a cart that holds a variant
     * known sold out, from memory alone: the cart as last announced ({@link OpenCarts}) and the sold-out marks, no
     * statement. Called before the request's Idempotency-Key is claimed (decision 79): such a refusal changes nothing,
     * so a retry with the same key is simply decided again. Only a cart announced open, claimed by the caller's customer
     * and of the caller's storefront is refused here, and only by a mark set after every cart change committed before
     * it was announced here: the checkout that took the last unit has then been announced, its cart forgotten, and
     * its retry is replayed as before. For any other, or when the announcements are not current, nothing is decided
     * and checkout runs as before.
     */
    public void refuseKnownSoldOutFromMemory(Principal caller, UUID cartId) {
        List<UUID> variants = announcedVariants(caller, cartId);
        if (variants.isEmpty()) {
            return;
        }
        try {
            reservations.refuseIfKnownSoldOut(new ReservationRequest(variants.stream()
                    .map(variant -> new ReservationRequest.Line(variant, 1, Optional.empty())).toList(),
                    paymentTimeout.plus(RESERVATION_GRACE)), openCarts::announcedUpTo);
        } catch (ProblemException refused) {
            refusedBeforeTheKey.increment();
            throw refused;
        }
    }

    /**
     * The variants of the cart as last announced open, claimed by the caller's customer and of the caller's
     * storefront: those {@link #refuseKnownSoldOutFromMemory} can refuse it by. Empty for any other cart, or when the
     * announcements are not current.
     */
    public List<UUID> announcedVariants(Principal caller, UUID cartId) {
        if (caller.type() != PrincipalType.STOREFRONT || caller.customer().isEmpty()) {
            return List.of();
        }
        return openCarts.find(cartId)
                .filter(cart -> cart.storefrontId().equals(caller.id())
                        && cart.customerId().equals(caller.customer().get()))
                .map(OpenCarts.OpenCart::variantIds).orElse(List.of());
    }

    /**
     * Runs {@code recheck} whenever {@link #refuseKnownSoldOutFromMemory} may newly refuse: a variant marked sold out
     * here, or the carts' announcements confirmed past such a mark (the checkouts waiting for a turn look then, not on
     * a timer: decision 110).
     */
    void whenSoldOutRefusalsMayChange(Runnable recheck) {
        reservations.whenMarkedSoldOut(recheck);
        openCarts.whenConfirmed(recheck);
    }

    /** How many checkouts were refused by {@link #refuseKnownSoldOutFromMemory} (a metric). */
    long refusalsBeforeTheKey() {
        return refusedBeforeTheKey.sum();
    }

    /** What checkout's steps share: the request, then what each step produced. */
    private static final class Checkout {
        final Principal caller;
        final UUID customer;
        final CheckoutRequest request;
        final UUID orderId = UUID.randomUUID();
        final UUID reservationId = UUID.randomUUID();
        Cart cart;
        ReservationRequest stock;
        List<Pricing.MerchantPart> parts;
        List<UUID> subOrderIds;
        /** The transaction of {@link #placing}. */
        DSLContext db;
        CheckoutAnnouncements.Announcement announcement;
        OffsetDateTime due;
        List<OrderCoupons.Line> lines;
        /** Each line's tax, in {@link #lines}' order: points may pay it too. */
        List<Money> taxes;
        Money[] couponDiscounts;
        Money discount;
        Money subtotal;
        Money tax;
        OffsetDateTime now;
        List<Order.SubOrder> subOrders;
        Optional<Order.Channel> channel;
        List<Order.Transition> history;
        Order order;

        Checkout(Principal caller, UUID customer, CheckoutRequest request) {
            this.caller = caller;
            this.customer = customer;
            this.request = request;
        }

        Checkout in(DSLContext transaction) {
            db = transaction;
            return this;
        }
    }

    private Next readCart(Checkout run) {
        Cart cart = carts.find(dsl, run.caller, run.request.cartId(), false).orElseThrow(CartService::notFound);
        if (cart.checkedOutOrderId() != null) {
            throw CartService.checkedOut(cart);
        }
        if (!run.customer.equals(cart.customerId())) {
            throw ProblemException.conflict("cart_not_claimed",
                    "Claim the cart for the customer before checking it out.");
        }
        if (cart.lines().isEmpty()) {
            throw ProblemException.conflict("cart_empty", "The cart has no lines.");
        }
        run.cart = cart;
        run.stock = new ReservationRequest(cart.lines().stream()
                .map(line -> new ReservationRequest.Line(line.variantId(), line.quantity(), Optional.empty()))
                .toList(), paymentTimeout.plus(RESERVATION_GRACE));
        return Next.CONTINUE;
    }

    private Next refuseKnownSoldOut(Checkout run) {
        // Before the lines' prices and offers are read: a variant known sold out is refused whatever they say.
        reservations.refuseIfKnownSoldOut(run.stock);
        return Next.CONTINUE;
    }

    private Next price(Checkout run) {
        Cart cart = run.cart;
        List<Pricing.Item> items = itemsOf(cart);
        run.parts = pricing.price(items);
        run.subOrderIds = run.parts.stream().map(part -> UUID.randomUUID()).toList();
        return Next.CONTINUE;
    }

    private Next refuseVisiblyShort(Checkout run) {
        // Most refusals of a sold-out item end here, before any transaction or lock; the reservation decides.
        reservations.refuseIfVisiblyShort(run.stock);
        return Next.CONTINUE;
    }

    private Next placeInOneTransaction(Checkout run) {
        AtomicBoolean committed = new AtomicBoolean();
        try {
            // The transaction and the wait for its flush on one connection (decision 134): taking another for the
            // flush could wait out the pool after the commit, and failing there answered a committed checkout as a
            // 503, whose resend was then told 409 idempotency_outcome_committed.
            dsl.connection(connection -> {
                DSLContext own = dsl.configuration().derive(new DefaultConnectionProvider(connection)).dsl();
                own.transaction(tx -> placing.run(run.in(tx.dsl())));
                committed.set(true);
                if (run.order != null) {
                    // Committed without its flush (the cart's mark set it so): its stock rows' locks went with the
                    // commit, and no buyer is answered before the order is on disk (decision 111).
                    UnflushedCommit.makeDurable(connection);
                }
            });
        } catch (RuntimeException failed) {
            if (run.announcement != null && !committed.get()) { // announced checked out, and open after all
                announceOpenAgain(run, failed);
            }
            throw failed;
        }
        openCarts.forget(run.cart.id());
        return Next.CONTINUE;
    }

    /**
     * Decision 103: without this, every node would keep the cart forgotten, and its buyer's next checkout after the
     * sell-out would claim a key and read the cart instead of being refused from memory. Committed before the refusal is
     * answered. Its failure only leaves the cart forgotten (read when next checked out), which refuses nothing wrongly.
     */
    private void announceOpenAgain(Checkout run, RuntimeException rolledBack) {
        try {
            run.announcement.afterRollback(dsl);
        } catch (RuntimeException failed) {
            rolledBack.addSuppressed(failed);
            LOG.log(System.Logger.Level.WARNING, "announcing cart " + run.cart.id() + " open again failed", failed);
        }
    }

    private List<Pricing.Item> itemsOf(Cart cart) {
        Map<UUID, VariantForSale> variants = products.variantsForSale(dsl,
                cart.lines().stream().map(Cart.Line::variantId).toList());
        Set<UUID> active = merchants.activeAmong(dsl,
                variants.values().stream().map(VariantForSale::merchantId).distinct().toList());
        List<String> unavailable = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<Pricing.Item> items = new ArrayList<>();
        // Drop-shipped goods whose supplier has not been synced recently enough are not sold (decision 39).
        Set<UUID> staleSupply = ports.supplyFreshness().staleAmong(variants.keySet());
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
     * The payment deadline is {@code paymentTimeout} from the mark on PostgreSQL's clock, the clock the expiry job
     * compares it with, so a node whose clock is off by seconds moves no deadline (decisions 62, 72).
     */
    private Next markCartCheckedOut(Checkout run) {
        Optional<OffsetDateTime> marked = carts.markCheckedOut(run.db, run.cart.id(), run.cart.version(), run.orderId);
        if (marked.isEmpty()) {
            return Next.STOP;
        }
        run.due = marked.get().plus(paymentTimeout);
        run.announcement = announcements.checkedOut(run.cart.id()); // sent while the next steps run
        return Next.CONTINUE;
    }

    /**
     * Decision 94: the cart's announcement commits before the checkout does, so no node refuses a resend of this
     * checkout from its memory of the cart as open; awaited before the reservation, whose locks other checkouts wait on.
     */
    private Next awaitAnnouncement(Checkout run) {
        run.announcement.beforeCommitOf(run.db);
        return Next.CONTINUE;
    }

    /** The order's lines for the promotions domain, whose coupons discount them first. */
    private Next applyCoupons(Checkout run) {
        run.lines = new ArrayList<>();
        run.taxes = new ArrayList<>();
        for (int i = 0; i < run.parts.size(); i++) {
            List<Pricing.PricedLine> priced = run.parts.get(i).lines();
            for (int number = 0; number < priced.size(); number++) {
                Pricing.PricedLine line = priced.get(number);
                run.lines.add(new OrderCoupons.Line(run.subOrderIds.get(i), run.parts.get(i).merchantId(), number,
                        line.variant().productId(), line.variant().categoryId(), line.quantity(), line.subtotal()));
                run.taxes.add(line.tax());
            }
        }
        run.couponDiscounts = ports.coupons().placed(run.db, run.customer, run.orderId, run.due, run.lines,
                run.request.couponCodes());
        return Next.CONTINUE;
    }

    /** The points domain spends the points on what the coupons left; the discount is both together. */
    private Next spendPoints(Checkout run) {
        List<OrderPoints.Line> pointsLines = new ArrayList<>();
        for (int i = 0; i < run.lines.size(); i++) {
            OrderCoupons.Line line = run.lines.get(i);
            pointsLines.add(new OrderPoints.Line(line.subOrderId(), line.merchantId(), line.lineNumber(),
                    line.categoryId(), line.quantity(), line.subtotal().minus(run.couponDiscounts[i]),
                    run.taxes.get(i)));
        }
        String currency = run.parts.getFirst().subtotal().currency();
        run.discount = Arrays.stream(ports.points().placed(run.db, run.customer, run.orderId, run.due, pointsLines,
                        run.request.redeemPoints()))
                .reduce(Arrays.stream(run.couponDiscounts).reduce(Money.zero(currency), Money::plus), Money::plus);
        return Next.CONTINUE;
    }

    /** Writes the order built in memory (nothing is read back). */
    private Next writeOrder(Checkout run) {
        run.subtotal = run.parts.stream().map(Pricing.MerchantPart::subtotal).reduce(Money::plus).orElseThrow();
        run.tax = run.parts.stream().map(Pricing.MerchantPart::tax).reduce(Money::plus).orElseThrow();
        // Every timestamp the order's rows get by default is now(): the transaction's start, the same for all.
        List<Order.SubOrder> subOrders = subOrdersOf(run.parts, run.subOrderIds);
        run.now = repository.insertOrder(run.db, new OrderRepository.NewOrder(run.orderId, run.caller.id(),
                run.customer, run.cart.id(), OrderStatus.PLACED, 1, run.subtotal, run.tax, run.discount,
                run.subtotal.plus(run.tax).minus(run.discount), run.request.address(), run.reservationId,
                run.due, false), subOrders, Map.of());
        run.subOrders = writtenAt(subOrders, run.now);
        return Next.CONTINUE;
    }

    private Next attribute(Checkout run) {
        run.channel = ports.attribution().placed(run.db, run.caller, run.orderId, run.customer,
                run.request.channelCode(), run.request.couponCodes(), attributed(run.subOrders));
        return Next.CONTINUE;
    }

    private Next recordPlaced(Checkout run) {
        run.history = lifecycle.placed(run.db, run.orderId, run.caller.id(), run.customer, run.channel,
                run.subOrders, actorOf(run.caller), run.now);
        return Next.CONTINUE;
    }

    /** Last, so the stock levels' row locks are held only from the reservation to the commit. */
    private Next reserve(Checkout run) {
        reservations.reserve(run.db, CHECKOUT, run.reservationId, run.stock);
        CrashPoints.reached(CrashPoints.CHECKOUT_RESERVED);
        run.order = new Order(run.orderId, run.caller.id(), run.customer, run.cart.id(), OrderStatus.PLACED,
                run.subtotal, run.tax, run.discount, run.subtotal.plus(run.tax).minus(run.discount), run.request.address(),
                run.reservationId, false, run.due, run.subOrders.stream().sorted(OrderRepository.SUB_ORDERS_AS_LISTED)
                .toList(), run.history, 1, run.now, run.now, run.channel.orElse(null));
        return Next.CONTINUE;
    }

    /**
     * Decision 54: points and coupons paid the whole order (points may pay the tax too), so nothing is due: the order
     * is paid now through the same transitions and events as a captured payment (escrow, commission, points earning
     * and the coupons' money follow its capture of nothing), with no payment and so no fee. Its stock is committed
     * after the commit, as after a payment.
     */
    private Next payNothingDue(Checkout run) {
        if (!run.subtotal.plus(run.tax).minus(run.discount).isZero()) {
            return Next.CONTINUE;
        }
        paid(run.db, repository.get(run.db, run.orderId), actorOf(run.caller), "paid wholly by points and coupons",
                List.of(MoneyMovement.capturedWithoutPayment(run.orderId, Parties.ofOrder(run.orderId, run.customer),
                        run.subtotal.currency())), List.of());
        run.order = repository.get(run.db, run.orderId);
        return Next.CONTINUE;
    }

    private static List<OrderAttribution.SubOrder> attributed(List<Order.SubOrder> subOrders) {
        return subOrders.stream()
                .map(s -> new OrderAttribution.SubOrder(s.id(), s.merchantId(), s.subtotal(), s.total())).toList();
    }

    /**
     * The sub-orders of priced parts (one per merchant), awaiting payment, with their lines and commission; without
     * their times until written ({@link #writtenAt}).
     */
    private static List<Order.SubOrder> subOrdersOf(List<Pricing.MerchantPart> parts, List<UUID> subOrderIds) {
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
                    part.subtotal(), part.tax(), part.total(), commission, lines, 1, null, null));
        }
        return subOrders;
    }

    /** These sub-orders as written: created and updated at {@code now}, the order's time. */
    private static List<Order.SubOrder> writtenAt(List<Order.SubOrder> subOrders, OffsetDateTime now) {
        return subOrders.stream().map(s -> new Order.SubOrder(s.id(), s.merchantId(), s.status(), s.subtotal(),
                s.tax(), s.total(), s.commission(), s.lines(), s.version(), now, now)).toList();
    }

    /** A line of a partner order: the variant as sold, {@code variant.price()} being the partner's price. */
    public record PartnerLine(VariantForSale variant, long quantity) {
    }

    /**
     * In the caller's transaction: a partner order (decision 38), placed and paid at once on the partner's account —
     * no cart and no payment provider: the partner is the order's storefront and customer of record, and its total a
     * receivable from the partner ({@code partner_order_charged}). Priced and taxed like a checkout, at the lines'
     * prices. Its stock, held by {@code reservationId}, is sold in this transaction too: with no payment to wait
     * for, the order and the sale are one change (decision 76). Its sub-orders then await their merchants like any
     * other. The order is the partner's channel's (decision 41) when the partner is a channel. {@code alsoAppended}
     * (the caller's events of the same change) go into the one insert of the order's events. Returns the order as
     * paid.
     */
    public Order placePartnerOrder(DSLContext db, UUID partnerId, UUID orderId, UUID reservationId,
                                   List<PartnerLine> lines, Order.ShippingAddress address,
                                   List<? extends DomainEvent> alsoAppended) {
        address.requireValid();
        List<Pricing.MerchantPart> parts = pricing.price(lines.stream()
                .map(line -> new Pricing.Item(line.variant(), line.quantity())).toList());
        Money subtotal = parts.stream().map(Pricing.MerchantPart::subtotal).reduce(Money::plus).orElseThrow();
        Money tax = parts.stream().map(Pricing.MerchantPart::tax).reduce(Money::plus).orElseThrow();
        Money total = subtotal.plus(tax);
        List<Order.SubOrder> unwritten = subOrdersOf(parts, parts.stream().map(part -> UUID.randomUUID()).toList());
        // Written already paid (decision 107): the order and its sub-orders are inserted in the state the payment
        // moves them to, at the version after it, due as a payment makes them, rather than inserted and updated at once.
        Map<UUID, OrderRepository.DueTimes> due = new LinkedHashMap<>();
        handlingTimes(db, unwritten).forEach((subOrderId, handling) ->
                due.put(subOrderId, new OrderRepository.DueTimes(acceptWithin, handling)));
        OrderStatus paidStatus = OrderStateMachine.require(OrderStatus.PLACED, Action.PAY);
        SubOrderStatus subOrderPaidStatus = OrderStateMachine.require(SubOrderStatus.PENDING_PAYMENT, Action.PAY);
        // Its stock is sold below in this transaction: marked sold as it is written, all or nothing with the sale.
        OffsetDateTime now = repository.insertOrder(db, new OrderRepository.NewOrder(orderId, partnerId, partnerId,
                null, paidStatus, 2, subtotal, tax, Money.zero(subtotal.currency()), total, address, reservationId,
                // Paid at once: due at once, on PostgreSQL's clock (decision 80), at the transaction's start, which is
                // the order's creation time it is answered with.
                null, true), unwritten.stream().map(subOrder -> new Order.SubOrder(subOrder.id(),
                        subOrder.merchantId(), subOrderPaidStatus, subOrder.subtotal(), subOrder.tax(), subOrder.total(),
                        subOrder.commission(), subOrder.lines(), subOrder.version() + 1, null, null)).toList(), due);
        List<Order.SubOrder> subOrders = writtenAt(unwritten, now);
        // The partner placed it: attributed to the partner's channel, if it is one.
        Optional<Order.Channel> channel = ports.attribution().placed(db, new Principal(PrincipalType.PARTNER,
                partnerId, null, Set.of()), orderId, partnerId, Optional.empty(), List.of(), attributed(subOrders));
        String actor = Principal.subjectOf(PrincipalType.PARTNER, partnerId);
        // The order as placed (nothing read back), as checkout's is: every timestamp its rows got by default is the
        // transaction's start, now. Its history and events are the placement's and the payment's, as if it had been
        // placed and then paid.
        Order placed = new Order(orderId, partnerId, partnerId, null, OrderStatus.PLACED, subtotal, tax,
                Money.zero(subtotal.currency()), total, address, reservationId, true, now,
                subOrders.stream().sorted(OrderRepository.SUB_ORDERS_AS_LISTED).toList(), List.of(), 1, now, now,
                channel.orElse(null));
        OrderLifecycle.PlacedAndMoved moves = lifecycle.placedAndMoved(db, placed, Action.PAY, Action.PAY, actor,
                PARTNER_PAID, SUB_ORDER_PAID);
        List<DomainEvent> events = new ArrayList<>(moves.placed().events());
        events.addAll(alsoAppended);
        DomainEvents.appendAll(db, paymentEvents(placed, moves.moved(),
                List.of(MoneyMovement.partnerOrderCharged(partnerId, Parties.ofOrder(orderId, partnerId), total)),
                events));
        List<Order.Transition> history = new ArrayList<>(moves.placed().history());
        history.addAll(moves.moved().history());
        // Sold last: the stock levels' row locks are then held only until the commit.
        reservations.commit(db, CHECKOUT, reservationId);
        return new Order(orderId, partnerId, partnerId, null, paidStatus, subtotal, tax,
                Money.zero(subtotal.currency()), total, address, reservationId, true, now,
                placed.subOrders().stream().map(subOrder -> new Order.SubOrder(subOrder.id(), subOrder.merchantId(),
                        subOrderPaidStatus, subOrder.subtotal(), subOrder.tax(), subOrder.total(),
                        subOrder.commission(), subOrder.lines(), subOrder.version() + 1, now, now)).toList(),
                history, 2, now, now, channel.orElse(null));
    }

    /** The other domains' parts, for the fulfilment module's cancellations, rejections and returns. */
    OrderPorts ports() {
        return ports;
    }

    public Order get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id, false).orElseThrow(OrderService::notFound);
    }

    public Page<Order> list(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, page), page.limit(), OrderRepository::cursorOf);
    }

    /**
     * The order the caller may see, locked for a payment decision, in the caller's transaction, with whether its
     * payment deadline has passed on PostgreSQL's clock, the one the expiry job goes by (a node ahead of it would
     * refuse a payment still in time): read by the same statement.
     */
    public PaymentLock lockForPayment(DSLContext tx, Principal caller, UUID orderId) {
        return repository.lockForPayment(tx, caller, orderId).orElseThrow(OrderService::notFound);
    }

    /** An order locked for a payment decision, and whether its payment deadline had passed when it was locked. */
    public record PaymentLock(Order order, boolean pastPaymentDeadline) {
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
                MoneyMovement.paymentCaptured(paymentId, orderParties, captured)), List.of());
    }

    /**
     * The order is paid with {@code charge} (its money events): its sub-orders await acceptance, commission accrues.
     * Set-based, whatever the number of sub-orders: the order's update, one update of its sub-orders (status,
     * acceptance due, ship-by), one insert of the history rows, one of every event, besides the two reads of handling
     * times; {@code withEvents} (the caller's of the same change) go first into that insert. Returns the history rows
     * it wrote.
     */
    private List<Order.Transition> paid(DSLContext tx, Order order, String actor, String reason,
                                        List<MoneyMovement> charge, List<? extends DomainEvent> withEvents) {
        OrderLifecycle.Moves moves = lifecycle.moveWithEverySubOrder(tx, order, Action.PAY, Action.PAY, actor, reason,
                SUB_ORDER_PAID, FulfilmentRepository.paidDueTimes(acceptWithin, handlingTimes(tx, order.subOrders())));
        DomainEvents.appendAll(tx, paymentEvents(order, moves, charge, withEvents));
        return moves.history();
    }

    /**
     * The promised handling time of each sub-order: the longest of its lines', each its product's own, else its
     * merchant's, else the marketplace's (decisions 56 and 65). Two reads.
     */
    private Map<UUID, Duration> handlingTimes(DSLContext tx, List<Order.SubOrder> subOrders) {
        Map<UUID, Integer> merchantDays = merchants.handlingDays(tx, subOrders.stream()
                .map(Order.SubOrder::merchantId).collect(Collectors.toSet()));
        Map<UUID, Integer> productDays = products.handlingDays(tx, subOrders.stream()
                .flatMap(subOrder -> subOrder.lines().stream()).map(Order.Line::productId).collect(Collectors.toSet()));
        Map<UUID, Duration> handling = new LinkedHashMap<>();
        for (Order.SubOrder subOrder : subOrders) {
            Integer merchantOwn = merchantDays.get(subOrder.merchantId());
            Duration merchantTime = merchantOwn == null ? handlingTime : Duration.ofDays(merchantOwn);
            handling.put(subOrder.id(), subOrder.lines().stream()
                    .map(line -> productDays.containsKey(line.productId())
                            ? Duration.ofDays(productDays.get(line.productId())) : merchantTime)
                    .max(Comparator.naturalOrder()).orElse(merchantTime));
        }
        return handling;
    }

    /**
     * Every event of the order's payment, in the order they are appended: {@code withEvents} (the caller's of the
     * same change), the moves' lifecycle events, the {@code charge} and each merchant's commission.
     */
    private static List<DomainEvent> paymentEvents(Order order, OrderLifecycle.Moves moves, List<MoneyMovement> charge,
                                                   List<? extends DomainEvent> withEvents) {
        List<DomainEvent> events = new ArrayList<>(withEvents);
        events.addAll(moves.events());
        events.addAll(charge);
        for (Order.SubOrder subOrder : order.subOrders()) {
            events.add(MoneyMovement.commissionAccrued(new Parties(order.id(), subOrder.id(), subOrder.merchantId(),
                    order.customerId()), subOrder.commission()));
        }
        return events;
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
        return Optional.ofNullable(linesOf(tx, List.of(subOrderId)).get(subOrderId));
    }

    /**
     * In the caller's transaction: the lines of those sub-orders this domain knows, each in line order, in one
     * statement (settlement's posting reads a whole batch's at once, decision 60).
     */
    public Map<UUID, List<Order.Line>> linesOf(DSLContext tx, Collection<UUID> subOrderIds) {
        return subOrderIds.isEmpty() ? Map.of() : repository.linesOfSubOrders(tx, subOrderIds);
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
