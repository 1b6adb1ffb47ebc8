package dev.marketplace.server.platform.security;

import dev.marketplace.server.platform.persistence.RenderedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.impl.DSL;

/**
 * Object-level authorization, written once: which rows of a tenant-owned table a principal may see. Repositories put
 * this condition into every query they make for a principal — reads, lists, updates — so another tenant's row is
 * simply not found (404, never 403: ids cannot be probed) and never appears in a list.
 *
 * <p>The rule: the operator and the server's own work ({@link Principal#system}) see every row. Anyone else sees
 * the rows it owns — the table's owner columns name its type and id — except rows of a customer, which are the
 * customer's: a storefront acting for a customer sees that customer's rows, and an owner sees the rows of its
 * customers only where the table shares them ({@link CustomerRows}).
 */
public final class Tenancy {

    /** Who besides the customer sees a customer's rows. */
    public enum CustomerRows {
        /** Orders, returns: the owner (the storefront they were placed through, the merchant selling) sees them
         * too, and the customer sees them through any storefront. */
        SHARED_WITH_OWNER,
        /** Carts: only the customer, and only through the storefront that holds them. */
        PRIVATE_ON_OWNER
    }

    /**
     * The owner columns of a tenant-owned table: the owner's type (a column, or the one type every row has) and id,
     * and for customer-owned tables the customer column (null when the row has no customer yet).
     */
    public record Owners(Field<String> ownerType, Field<UUID> ownerId, Field<UUID> customer, CustomerRows customerRows) {

        public static Owners of(Field<String> ownerType, Field<UUID> ownerId) {
            return new Owners(ownerType, ownerId, null, null);
        }

        /** Every row is owned by a principal of this type. */
        public static Owners of(PrincipalType ownerType, Field<UUID> ownerId) {
            return of(DSL.inline(ownerType.wireName()), ownerId);
        }

        public Owners withCustomer(Field<UUID> customerColumn, CustomerRows rows) {
            return new Owners(ownerType, ownerId, customerColumn, rows);
        }
    }

    private Tenancy() {
    }

    public static Condition visibleTo(Principal principal, Field<String> ownerType, Field<UUID> ownerId) {
        return visibleTo(principal, Owners.of(ownerType, ownerId));
    }

    public static Condition visibleTo(Principal principal, Owners owners) {
        return rule(Shape.of(principal), DSL.val(principal.type().wireName(), owners.ownerType()),
                DSL.val(principal.id(), owners.ownerId()),
                owners.customer() == null ? null : DSL.val(principal.customer().orElse(null), owners.customer()), owners);
    }

    /**
     * What the rule's SQL depends on besides the ids it compares: the viewer's type, whether it is the operator (or the
     * server's own work), whether it acts for a customer. Seven shapes in all.
     */
    record Shape(PrincipalType type, boolean forCustomer) {

        static Shape of(Principal principal) {
            return new Shape(principal.type(), !principal.isOperator() && principal.customer().isPresent());
        }

        boolean operator() {
            return type == PrincipalType.OPERATOR;
        }

        /** Every shape a viewer can have. */
        static List<Shape> all() {
            List<Shape> shapes = new ArrayList<>();
            for (PrincipalType type : PrincipalType.values()) {
                shapes.add(new Shape(type, false));
                if (type != PrincipalType.OPERATOR) {
                    shapes.add(new Shape(type, true));
                }
            }
            return shapes;
        }
    }

    /** The rule, written once: for a viewer of {@code shape} whose type, id and customer are these fields. */
    private static Condition rule(Shape shape, Field<String> viewerType, Field<UUID> viewer, Field<UUID> viewerCustomer,
                                  Owners owners) {
        if (shape.operator()) {
            return DSL.noCondition();
        }
        Condition owned = owners.ownerType().eq(viewerType).and(owners.ownerId().eq(viewer));
        if (owners.customer() == null) {
            return owned;
        }
        boolean ownerSeesCustomers = owners.customerRows() == CustomerRows.SHARED_WITH_OWNER;
        Condition asOwner = ownerSeesCustomers && !shape.forCustomer() ? owned : owned.and(owners.customer().isNull());
        if (!shape.forCustomer() || shape.type() != PrincipalType.STOREFRONT) {
            return asOwner;
        }
        Condition asCustomer = owners.customer().eq(viewerCustomer);
        return asOwner.or(ownerSeesCustomers ? asCustomer : asCustomer.and(owned));
    }

    /** The parameters a statement {@link Rendered} per shape takes for its viewer's id and customer. */
    private static final String VIEWER = "viewer";
    private static final String VIEWER_CUSTOMER = "viewerCustomer";

    /**
     * A statement with the rule in it, rendered once per {@link Shape} (decision 115): the rule's text differs per
     * shape, the viewer's ids do not, so they are named parameters ({@code viewer}, {@code viewerCustomer}) bound with
     * the statement's own by {@link #bind}. Each shape's statement is rendered at its first use, as every
     * {@link RenderedStatement} is.
     */
    public static final class Rendered {
        private final Map<Shape, RenderedStatement> byShape = new HashMap<>();

        /** {@code statement} given the rule's condition for each shape of viewer. */
        public Rendered(Owners owners, Function<Condition, ? extends Query> statement) {
            for (Shape shape : Shape.all()) {
                byShape.put(shape, RenderedStatement.of(statement.apply(rule(shape,
                        DSL.inline(shape.type().wireName()), DSL.param(VIEWER, UUID.class),
                        DSL.param(VIEWER_CUSTOMER, UUID.class), owners))));
            }
        }

        /** The statement as rendered for {@code viewer}'s shape. */
        public RenderedStatement forViewer(Principal viewer) {
            return byShape.get(Shape.of(viewer));
        }

        /** Binds {@code viewer}'s id and customer where the statement rendered for its shape takes them. */
        public static RenderedStatement.Binds bind(RenderedStatement.Binds binds, Principal viewer) throws SQLException {
            if (binds.takes(VIEWER)) {
                binds.uuid(VIEWER, viewer.id());
            }
            if (binds.takes(VIEWER_CUSTOMER)) {
                binds.uuid(VIEWER_CUSTOMER, viewer.customer().orElseThrow());
            }
            return binds;
        }
    }
}
