package dev.marketplace.server.platform.security;

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
        if (principal.isOperator()) {
            return DSL.noCondition();
        }
        Condition owned = owners.ownerType().eq(principal.type().wireName()).and(owners.ownerId().eq(principal.id()));
        if (owners.customer() == null) {
            return owned;
        }
        boolean ownerSeesCustomers = owners.customerRows() == CustomerRows.SHARED_WITH_OWNER;
        Condition asOwner = ownerSeesCustomers && principal.customer().isEmpty()
                ? owned : owned.and(owners.customer().isNull());
        if (principal.customer().isEmpty() || principal.type() != PrincipalType.STOREFRONT) {
            return asOwner;
        }
        Condition asCustomer = owners.customer().eq(principal.customer().get());
        return asOwner.or(ownerSeesCustomers ? asCustomer : asCustomer.and(owned));
    }
}
