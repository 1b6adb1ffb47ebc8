package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.CART;
import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static dev.marketplace.schema.Tables.PARTNER_LEASE;
import static dev.marketplace.schema.Tables.STOCK_RESERVATION;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.MockConnection;
import org.jooq.tools.jdbc.MockResult;
import org.junit.jupiter.api.Test;

/**
 * A statement rendered once per viewer shape ({@link Tenancy.Rendered}, decision 115) sends, with its binds, exactly
 * the condition {@link Tenancy#visibleTo} gives that viewer: for every shape of viewer and every kind of owner columns.
 */
class TenancyRenderedTest {

    private static final DSLContext POSTGRES = DSL.using(SQLDialect.POSTGRES);

    /** Owner columns of each kind: a fixed owner type, an owner type column, customers' rows shared or private. */
    private static final Map<Table<?>, Tenancy.Owners> OWNERS = Map.of(
            PARTNER_LEASE, Tenancy.Owners.of(PrincipalType.PARTNER, PARTNER_LEASE.PARTNER_ID),
            STOCK_RESERVATION, Tenancy.Owners.of(STOCK_RESERVATION.OWNER_TYPE, STOCK_RESERVATION.OWNER_ID),
            CUSTOMER_ORDER, Tenancy.Owners.of(PrincipalType.STOREFRONT, CUSTOMER_ORDER.STOREFRONT_ID)
                    .withCustomer(CUSTOMER_ORDER.CUSTOMER_ID, Tenancy.CustomerRows.SHARED_WITH_OWNER),
            CART, Tenancy.Owners.of(PrincipalType.STOREFRONT, CART.STOREFRONT_ID)
                    .withCustomer(CART.CUSTOMER_ID, Tenancy.CustomerRows.PRIVATE_ON_OWNER));

    @Test
    void everyViewerShapeSendsTheRuleVisibleToGivesIt() {
        List<Principal> viewers = new ArrayList<>(List.of(new Principal(PrincipalType.OPERATOR, null, "op", Set.of()),
                Principal.system("a job")));
        for (PrincipalType type : List.of(PrincipalType.MERCHANT, PrincipalType.STOREFRONT, PrincipalType.PARTNER)) {
            viewers.add(new Principal(type, UUID.randomUUID(), "client", Set.of()));
            viewers.add(new Principal(type, UUID.randomUUID(), "client", Set.of(), UUID.randomUUID()));
        }
        int compared = 0;
        for (Map.Entry<Table<?>, Tenancy.Owners> owners : OWNERS.entrySet()) {
            Tenancy.Rendered statement = new Tenancy.Rendered(owners.getValue(),
                    rule -> DSL.selectOne().from(owners.getKey()).where(rule));
            for (Principal viewer : viewers) {
                String expected = POSTGRES.renderInlined(DSL.selectOne().from(owners.getKey())
                        .where(Tenancy.visibleTo(viewer, owners.getValue())));

                assertThat(sent(statement, viewer)).as(viewer + " on " + owners.getKey()).isEqualTo(expected);
                compared++;
            }
        }
        assertThat(compared).isEqualTo(32);
    }

    /** The statement's text as sent for {@code viewer}, each bind value in its place as a literal. */
    private static String sent(Tenancy.Rendered statement, Principal viewer) {
        List<String> sent = new ArrayList<>();
        DSLContext db = DSL.using(new MockConnection(execution -> {
            String sql = execution.sql();
            for (Object value : execution.bindings()) {
                sql = sql.replaceFirst("\\?", "'" + value + "'");
            }
            sent.add(sql);
            return new MockResult[] {new MockResult(0, POSTGRES.newResult())};
        }), SQLDialect.POSTGRES);
        statement.forViewer(viewer).forEach(db, binds -> Tenancy.Rendered.bind(binds, viewer), row -> { });
        return sent.getFirst();
    }
}
