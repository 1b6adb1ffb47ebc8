package dev.marketplace.server.orders;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.catalog.VariantForSale;
import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Carts of storefronts, anonymous or a customer's, priced by the server from the catalog and inventory every time
 * they are read. Each public method is one transaction.
 */
public final class CartService {

    private final DSLContext dsl;
    private final ProductService products;
    private final InventoryService inventory;
    private final MerchantService merchants;
    private final Pricing pricing;
    private final OrderCoupons coupons;
    private final OrderPoints points;
    private final CartRepository repository = new CartRepository();

    public CartService(DSLContext dsl, ProductService products, InventoryService inventory, MerchantService merchants,
                       TaxRates taxRates, OrderCoupons coupons, OrderPoints points) {
        this.dsl = dsl;
        this.products = products;
        this.inventory = inventory;
        this.merchants = merchants;
        this.pricing = new Pricing(taxRates);
        this.coupons = coupons;
        this.points = points;
    }

    /** A new cart of the calling storefront, the customer's when the token acts for one. */
    public CartView create(Principal caller) {
        if (caller.type() != PrincipalType.STOREFRONT) {
            throw ProblemException.forbidden("Carts belong to storefronts.");
        }
        return view(dsl.transactionResult(tx -> repository.insert(tx.dsl(), caller.id(), caller.customer().orElse(null))));
    }

    public CartView get(Principal caller, UUID id) {
        return view(repository.find(dsl, caller, id, false).orElseThrow(CartService::notFound));
    }

    /**
     * Sets a line's quantity at the variant's current price, which becomes the price the shopper has seen. A cart
     * holds one currency: a variant priced in another is refused (409 {@code currency_mismatch}).
     */
    public CartView setLine(Principal caller, UUID cartId, UUID variantId, long quantity) {
        VariantForSale variant = products.variantsForSale(dsl, List.of(variantId)).get(variantId);
        if (variant == null) {
            throw ProblemException.notFound("variant");
        }
        if (!isOffered(variant, merchants.activeAmong(dsl, List.of(variant.merchantId())))) {
            throw ProblemException.conflict("variant_unavailable",
                    "The variant is not sold now: its product is not published or its merchant cannot take orders.");
        }
        return view(dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Cart cart = openCart(db, caller, cartId);
            boolean otherCurrency = cart.lines().stream().anyMatch(line -> !line.variantId().equals(variantId)
                    && !line.seenPrice().currency().equals(variant.price().currency()));
            if (otherCurrency) {
                throw ProblemException.conflict("currency_mismatch", "The cart holds lines priced in "
                        + cart.lines().getFirst().seenPrice().currency() + "; one cart holds one currency.");
            }
            repository.setLine(db, cartId, variantId, quantity, variant.price());
            return repository.find(db, caller, cartId, false).orElseThrow();
        }));
    }

    public CartView removeLine(Principal caller, UUID cartId, UUID variantId) {
        return view(dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Cart cart = openCart(db, caller, cartId);
            if (cart.lines().stream().noneMatch(line -> line.variantId().equals(variantId))) {
                throw ProblemException.notFound("cart line");
            }
            repository.removeLine(db, cartId, variantId);
            return repository.find(db, caller, cartId, false).orElseThrow();
        }));
    }

    /** The customer the token acts for takes an anonymous cart; claiming one's own cart again changes nothing. */
    public CartView claim(Principal caller, UUID cartId) {
        UUID customer = caller.customer().orElseThrow(() -> new ProblemException(403, "customer_required", "Forbidden",
                "Only a token acting for a customer can claim a cart."));
        return view(dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Cart cart = openCart(db, caller, cartId);
            if (cart.customerId() == null) {
                repository.claim(db, cartId, customer);
            }
            return repository.find(db, caller, cartId, false).orElseThrow();
        }));
    }

    /**
     * What checkout would take off the cart's buyable lines now for these coupons and points (decision 42), by the
     * coupons' and points' own allocation, without taking or holding anything; refused (409) as checkout would.
     */
    public CartDiscountPreview previewDiscount(Principal caller, UUID cartId, List<String> couponCodes,
                                               long redeemPoints) {
        UUID customer = caller.customer().orElse(null);
        if (redeemPoints > 0 && customer == null) {
            throw new ProblemException(403, "customer_required", "Forbidden",
                    "Points are previewed for a token acting for the customer.");
        }
        Cart cart = repository.find(dsl, caller, cartId, false).orElseThrow(CartService::notFound);
        if (cart.checkedOutOrderId() != null) {
            throw checkedOut(cart);
        }
        List<Pricing.MerchantPart> parts = price(cart).parts();
        if (parts.isEmpty()) {
            throw ProblemException.conflict("cart_empty", "The cart has no line that can be bought now.");
        }
        List<OrderCoupons.Line> lines = new ArrayList<>();
        List<UUID> variantIds = new ArrayList<>();
        List<Money> taxes = new ArrayList<>();
        for (Pricing.MerchantPart part : parts) {
            for (int number = 0; number < part.lines().size(); number++) {
                Pricing.PricedLine line = part.lines().get(number);
                lines.add(new OrderCoupons.Line(null, part.merchantId(), number, line.variant().productId(),
                        line.variant().categoryId(), line.quantity(), line.subtotal()));
                variantIds.add(line.variant().variantId());
                taxes.add(line.tax());
            }
        }
        return dsl.transactionResult(tx -> {
            List<OrderCoupons.Previewed> applied = coupons.preview(tx.dsl(), customer, lines, couponCodes);
            List<OrderPoints.Line> pointsLines = new ArrayList<>();
            Money[] couponDiscounts = new Money[lines.size()];
            for (int i = 0; i < lines.size(); i++) {
                OrderCoupons.Line line = lines.get(i);
                int index = i;
                couponDiscounts[i] = applied.stream().map(coupon -> coupon.perLine()[index])
                        .reduce(Money.zero(line.subtotal().currency()), Money::plus);
                pointsLines.add(new OrderPoints.Line(null, line.merchantId(), line.lineNumber(), line.categoryId(),
                        line.quantity(), line.subtotal().minus(couponDiscounts[i]), taxes.get(i)));
            }
            OrderPoints.Previewed spent = points.preview(tx.dsl(), customer, pointsLines, redeemPoints);
            List<CartDiscountPreview.Line> previewLines = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                previewLines.add(new CartDiscountPreview.Line(variantIds.get(i), lines.get(i).merchantId(),
                        lines.get(i).subtotal(), couponDiscounts[i], spent.perLine()[i]));
            }
            Money subtotal = parts.stream().map(Pricing.MerchantPart::subtotal).reduce(Money::plus).orElseThrow();
            Money tax = parts.stream().map(Pricing.MerchantPart::tax).reduce(Money::plus).orElseThrow();
            return CartDiscountPreview.of(cartId, subtotal, tax, redeemPoints, previewLines, applied, spent.byFunder());
        });
    }

    /** The cart's lines as sold now, and the priced parts (by merchant) of those that can be bought. */
    private record Priced(Map<UUID, VariantForSale> variants, Map<UUID, Long> available, Set<UUID> active,
                          List<Pricing.MerchantPart> parts) {
    }

    private Priced price(Cart cart) {
        List<UUID> ids = cart.lines().stream().map(Cart.Line::variantId).toList();
        Map<UUID, VariantForSale> variants = products.variantsForSale(dsl, ids);
        Map<UUID, Long> available = inventory.availableToReserve(ids);
        Set<UUID> active = activeMerchantsOf(variants);
        List<Pricing.Item> buyable = new ArrayList<>();
        for (Cart.Line line : cart.lines()) {
            VariantForSale variant = variants.get(line.variantId());
            if (isOffered(variant, active) && available.getOrDefault(line.variantId(), 0L) >= line.quantity()) {
                buyable.add(new Pricing.Item(variant, line.quantity()));
            }
        }
        return new Priced(variants, available, active, pricing.price(buyable));
    }

    /** Prices the cart now: current prices, availability, and totals of what can be bought. */
    CartView view(Cart cart) {
        Priced now = price(cart);
        Map<UUID, VariantForSale> variants = now.variants();
        Map<UUID, Long> available = now.available();
        Set<UUID> active = now.active();
        List<Pricing.MerchantPart> parts = now.parts();
        Map<UUID, Pricing.PricedLine> priced = new java.util.HashMap<>();
        parts.forEach(part -> part.lines().forEach(line -> priced.put(line.variant().variantId(), line)));
        List<CartView.LineView> lines = cart.lines().stream().map(line -> {
            VariantForSale variant = variants.get(line.variantId());
            long stock = available.getOrDefault(line.variantId(), 0L);
            CartView.Availability availability = !isOffered(variant, active) ? CartView.Availability.UNAVAILABLE
                    : stock >= line.quantity() ? CartView.Availability.AVAILABLE : CartView.Availability.INSUFFICIENT_STOCK;
            Pricing.PricedLine pricedLine = priced.get(line.variantId());
            Money price = variant == null ? null : variant.price();
            return new CartView.LineView(line.variantId(), variant == null ? null : variant.productId(),
                    variant == null ? null : variant.merchantId(), variant == null ? null : variant.sku(),
                    variant == null ? Map.of() : variant.title(), line.quantity(), price, line.seenPrice(),
                    price != null && !price.equals(line.seenPrice()), availability, Math.max(stock, 0),
                    pricedLine == null ? null : pricedLine.subtotal(), pricedLine == null ? null : pricedLine.tax());
        }).toList();
        if (parts.isEmpty()) {
            return new CartView(cart, lines, null, null, null);
        }
        Money subtotal = parts.stream().map(Pricing.MerchantPart::subtotal).reduce(Money::plus).orElseThrow();
        Money tax = parts.stream().map(Pricing.MerchantPart::tax).reduce(Money::plus).orElseThrow();
        return new CartView(cart, lines, subtotal, tax, subtotal.plus(tax));
    }

    /** Sold at all: it exists, its product is published and its merchant may take orders. */
    static boolean isOffered(VariantForSale variant, Set<UUID> activeMerchants) {
        return variant != null && variant.published() && activeMerchants.contains(variant.merchantId());
    }

    /** The merchants among these variants' that may take orders now. */
    Set<UUID> activeMerchantsOf(Map<UUID, VariantForSale> variants) {
        return merchants.activeAmong(dsl, variants.values().stream().map(VariantForSale::merchantId).distinct().toList());
    }

    private Cart openCart(DSLContext db, Principal caller, UUID cartId) {
        Cart cart = repository.find(db, caller, cartId, true).orElseThrow(CartService::notFound);
        if (cart.checkedOutOrderId() != null) {
            throw checkedOut(cart);
        }
        return cart;
    }

    static ProblemException checkedOut(Cart cart) {
        return ProblemException.conflict("cart_checked_out", "The cart was checked out; it cannot change any more.")
                .with("orderId", cart.checkedOutOrderId().toString());
    }

    static ProblemException notFound() {
        return ProblemException.notFound("cart");
    }
}
