package dev.marketplace.server.platform.security;

import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Object-level authorization, written once: which rows of a tenant-owned table a principal may see. The
 * operator and the server's own work ({@link Principal#system}) see every row; anyone else only rows owned by
 * itself. Repositories put this condition into every
 * query of a tenant-owned table — reads, lists, updates — so another tenant's row is simply not found (404,
 * never 403: ids cannot be probed) and never appears in a list.
 */
public final class Tenancy {

    private Tenancy() {
    }

    public static Condition visibleTo(Principal principal, Field<String> ownerType, Field<UUID> ownerId) {
        if (principal.isOperator()) {
            return DSL.noCondition();
        }
        return ownerType.eq(principal.type().wireName()).and(ownerId.eq(principal.id()));
    }
}
