package dev.marketplace.server.platform.security;

import dev.marketplace.server.platform.persistence.RenderedStatement;
import java.sql.SQLException;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
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
        return visibleTo(Form.of(principal), owners, DSL.val(principal.type().wireName(), owners.ownerType()),
                DSL.val(principal.id(), owners.ownerId()),
                owners.customer() == null ? null : DSL.val(principal.customer().orElse(null), owners.customer()));
    }

    /**
     * The shape the rule's condition takes for a principal; the principal's type, id and customer are only its values.
     * A statement rendered once (decision 108) is rendered once per form ({@link #visibleTo(Form, Owners)}).
     */
    public enum Form {
        /** The operator and the server's own work: no condition. */
        EVERY_ROW,
        /** Any other principal without a customer. */
        OWNER,
        /** A principal other than a storefront acting for a customer. */
        OWNER_FOR_A_CUSTOMER,
        /** A storefront acting for a customer: also that customer's rows (on its own storefront, for carts). */
        STOREFRONT_FOR_A_CUSTOMER;

        public static Form of(Principal principal) {
            if (principal.isOperator()) {
                return EVERY_ROW;
            }
            if (principal.customer().isEmpty()) {
                return OWNER;
            }
            return principal.type() == PrincipalType.STOREFRONT ? STOREFRONT_FOR_A_CUSTOMER : OWNER_FOR_A_CUSTOMER;
        }
    }

    /**
     * The rule's condition for principals of {@code form}, with the principal's values as the named parameters
     * {@code principal_type}, {@code principal_id} and {@code principal_customer}, for a statement rendered once per
     * form; {@link #bind} binds them.
     */
    public static Condition visibleTo(Form form, Owners owners) {
        return visibleTo(form, owners, DSL.param("principal_type", String.class),
                DSL.param("principal_id", UUID.class), DSL.param("principal_customer", UUID.class));
    }

    /** Binds {@code principal}'s values to the parameters of {@link #visibleTo(Form, Owners)} of its form. */
    public static RenderedStatement.Binds bind(RenderedStatement.Binds binds, Principal principal, Owners owners)
            throws SQLException {
        Form form = Form.of(principal);
        if (form == Form.EVERY_ROW) {
            return binds;
        }
        binds.text("principal_type", principal.type().wireName()).uuid("principal_id", principal.id());
        return form == Form.STOREFRONT_FOR_A_CUSTOMER && owners.customer() != null
                ? binds.uuid("principal_customer", principal.customer().orElseThrow()) : binds;
    }

    /** The rule, once: {@code type}, {@code id} and {@code customer} are the principal's (values or parameters). */
    private static Condition visibleTo(Form form, Owners owners, Field<String> type, Field<UUID> id,
                                       Field<UUID> customer) {
        if (form == Form.EVERY_ROW) {
            return DSL.noCondition();
        }
        Condition owned = owners.ownerType().eq(type).and(owners.ownerId().eq(id));
        if (owners.customer() == null) {
            return owned;
        }
        boolean ownerSeesCustomers = owners.customerRows() == CustomerRows.SHARED_WITH_OWNER;
        Condition asOwner = ownerSeesCustomers && form == Form.OWNER ? owned : owned.and(owners.customer().isNull());
        if (form != Form.STOREFRONT_FOR_A_CUSTOMER) {
            return asOwner;
        }
        Condition asCustomer = owners.customer().eq(customer);
        return asOwner.or(ownerSeesCustomers ? asCustomer : asCustomer.and(owned));
    }
}
