package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.CART;
import static dev.marketplace.schema.Tables.CART_LINE;

import dev.marketplace.schema.tables.records.CartRecord;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.persistence.UnflushedCommit;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** Carts and their lines; runs in the caller's transaction. */
final class CartRepository {

    private static final Tenancy.Owners OWNERS = Tenancy.Owners.of(PrincipalType.STOREFRONT, CART.STOREFRONT_ID)
            .withCustomer(CART.CUSTOMER_ID, Tenancy.CustomerRows.PRIVATE_ON_OWNER);
    private static final Field<?>[] LINE_FIELDS = {CART_LINE.VARIANT_ID, CART_LINE.QUANTITY,
            CART_LINE.SEEN_PRICE_AMOUNT, CART_LINE.SEEN_PRICE_CURRENCY};

    /**
     * Who sees a cart: the operator every cart; a storefront its anonymous carts, and — acting for a customer — that
     * customer's carts too. Anyone else none.
     */
    static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, OWNERS);
    }

    Cart insert(DSLContext db, UUID storefrontId, UUID customerId) {
        CartRecord row = db.insertInto(CART)
                .set(CART.ID, UUID.randomUUID())
                .set(CART.STOREFRONT_ID, storefrontId)
                .set(CART.CUSTOMER_ID, customerId)
                .returning().fetchOne();
        return cart(row, List.of());
    }

    /**
     * The cart with its lines in one statement (the lines joined), rendered once per viewer shape of the tenancy rule
     * and lock (decisions 108, 115): every cart operation and checkout reads it, a flash sale's buyers a thousand at
     * once.
     */
    private static final Tenancy.Rendered FIND = statementOfFind(false);
    private static final Tenancy.Rendered FIND_FOR_UPDATE = statementOfFind(true);

    private static Tenancy.Rendered statementOfFind(boolean forUpdate) {
        return new Tenancy.Rendered(OWNERS, visible -> {
            var query = DSL.select(CART.fields()).select(LINE_FIELDS)
                    .from(CART).leftJoin(CART_LINE).on(CART_LINE.CART_ID.eq(CART.ID))
                    .where(CART.ID.eq(DSL.param("cart", UUID.class))).and(visible)
                    .orderBy(CART_LINE.ADDED_AT, CART_LINE.VARIANT_ID);
            return forUpdate ? query.forUpdate().of(CART) : query;
        });
    }

    /** The cart with its lines; locks the cart's row when asked. */
    Optional<Cart> find(DSLContext db, Principal viewer, UUID id, boolean forUpdate) {
        RenderedStatement statement = (forUpdate ? FIND_FOR_UPDATE : FIND).forViewer(viewer);
        CartRecord[] row = new CartRecord[1];
        List<Cart.Line> lines = new ArrayList<>();
        statement.forEach(db, binds -> Tenancy.Rendered.bind(binds.uuid("cart", id), viewer), read -> {
            if (row[0] == null) {
                row[0] = read.into(CART);
            }
            UUID variant = read.get(CART_LINE.VARIANT_ID);
            if (variant != null) {
                lines.add(new Cart.Line(variant, read.get(CART_LINE.QUANTITY),
                        Money.of(read.get(CART_LINE.SEEN_PRICE_AMOUNT), read.get(CART_LINE.SEEN_PRICE_CURRENCY))));
            }
        });
        return row[0] == null ? Optional.empty() : Optional.of(cart(row[0], List.copyOf(lines)));
    }

    void setLine(DSLContext db, UUID cartId, UUID variantId, long quantity, Money seenPrice) {
        db.insertInto(CART_LINE)
                .set(CART_LINE.CART_ID, cartId)
                .set(CART_LINE.VARIANT_ID, variantId)
                .set(CART_LINE.QUANTITY, quantity)
                .set(CART_LINE.SEEN_PRICE_AMOUNT, seenPrice.amount())
                .set(CART_LINE.SEEN_PRICE_CURRENCY, seenPrice.currency())
                .onConflict(CART_LINE.CART_ID, CART_LINE.VARIANT_ID).doUpdate()
                .set(CART_LINE.QUANTITY, quantity)
                .set(CART_LINE.SEEN_PRICE_AMOUNT, seenPrice.amount())
                .set(CART_LINE.SEEN_PRICE_CURRENCY, seenPrice.currency())
                .execute();
        touch(db, cartId);
    }

    void removeLine(DSLContext db, UUID cartId, UUID variantId) {
        db.deleteFrom(CART_LINE).where(CART_LINE.CART_ID.eq(cartId)).and(CART_LINE.VARIANT_ID.eq(variantId)).execute();
        touch(db, cartId);
    }

    void claim(DSLContext db, UUID cartId, UUID customerId) {
        db.update(CART).set(CART.CUSTOMER_ID, customerId).where(CART.ID.eq(cartId)).execute();
        touch(db, cartId);
    }

    /**
     * Marks the cart checked out by the order, only while it is still at {@code version} and open; returns when it
     * did on PostgreSQL's clock (the checkout's deadlines are counted from it, decision 72, without a statement of
     * their own), empty when it did not. Its row stays locked until the transaction ends, so a concurrent checkout of
     * the cart waits and then finds it changed. The checkout's transaction then commits without waiting for its WAL
     * flush, so the stock rows it locks last are not held through it; the checkout waits for the flush after the
     * commit, before it is answered (decision 111).
     */
    Optional<OffsetDateTime> markCheckedOut(DSLContext db, UUID cartId, long version, UUID orderId) {
        List<OffsetDateTime> marked = MARK_CHECKED_OUT.fetch(db, binds -> binds.uuid("order", orderId)
                .uuid("cart", cartId).bigint("version", version), row -> row.get(MARKED_AT));
        return marked.stream().findFirst();
    }

    private static final Field<OffsetDateTime> MARKED_AT = DatabaseClock.now().as("marked_at");
    /** Every checkout's first statement in its transaction: rendered once (decision 108). */
    private static final RenderedStatement MARK_CHECKED_OUT = RenderedStatement.of(DSL.update(CART)
            .set(CART.CHECKED_OUT_ORDER_ID, DSL.param("order", UUID.class))
            .set(CART.VERSION, CART.VERSION.plus(DSL.inline(1L))).set(CART.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(CART.ID.eq(DSL.param("cart", UUID.class))).and(CART.VERSION.eq(DSL.param("version", Long.class)))
            .and(CART.CHECKED_OUT_ORDER_ID.isNull())
            .and(UnflushedCommit.ALLOWED)
            .returningResult(MARKED_AT));

    /**
     * Announces the cart checked out (forget it) on {@link OpenCarts#CHANNEL} in {@code db}'s transaction, at its commit:
     * the fallback of {@link CheckoutAnnouncements} when its batch is not there in time.
     */
    void announceCheckedOut(DSLContext db, UUID cartId) {
        db.execute("SELECT pg_notify(?, ?)", OpenCarts.CHANNEL, cartId.toString());
    }

    /**
     * Announces the cart on {@link OpenCarts#CHANNEL} as it is committed now (V93, decision 103), in {@code db}'s
     * transaction: after a checkout that announced it checked out rolled back. Waits for a checkout that has marked it
     * meanwhile, and then announces nothing.
     */
    void announceAsItIs(DSLContext db, UUID cartId) {
        db.execute("SELECT announce_cart_as_it_is(?)", cartId);
    }

    private static void touch(DSLContext db, UUID cartId) {
        db.update(CART).set(CART.VERSION, CART.VERSION.plus(1)).set(CART.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(CART.ID.eq(cartId)).execute();
    }

    private static Cart cart(CartRecord row, List<Cart.Line> lines) {
        return new Cart(row.getId(), row.getStorefrontId(), row.getCustomerId(), row.getCheckedOutOrderId(), lines,
                row.getVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }
}
