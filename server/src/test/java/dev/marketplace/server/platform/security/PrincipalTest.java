package dev.marketplace.server.platform.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

class PrincipalTest {

    private static final UUID STOREFRONT = UUID.fromString("6f1d9a8e-1b7c-4c3e-9a51-2f0c6d1e8b77");
    private static final UUID CUSTOMER = UUID.fromString("0b4f6c1a-9e2d-4b8f-a3c7-5d1e2f3a4b5c");

    @Test
    void aClientTokenNamesTheClientsPrincipal() {
        Principal storefront = new Principal(PrincipalType.STOREFRONT, STOREFRONT, "shop", Set.of("catalog:read"));

        assertEquals("storefront:" + STOREFRONT, storefront.tokenSubject());
        assertEquals(Optional.of(storefront), Principal.fromToken(storefront.tokenSubject(), null, "shop", Set.of("catalog:read")));
    }

    @Test
    void aCustomerBoundTokenNamesTheCustomerAndKeepsTheClientsPrincipal() {
        Principal bound = new Principal(PrincipalType.STOREFRONT, STOREFRONT, "shop", Set.of("catalog:read"))
                .actingFor(CUSTOMER, Set.of("orders:write"));

        assertEquals("customer:" + CUSTOMER, bound.tokenSubject());
        Principal read = Principal.fromToken(bound.tokenSubject(), bound.subject(), "shop", Set.of("orders:write")).orElseThrow();
        assertEquals(bound, read);
        assertEquals(Optional.of(CUSTOMER), read.customer());
        assertEquals(PrincipalType.STOREFRONT, read.type());
    }

    @Test
    void malformedSubjectsAreNotPrincipals() {
        assertTrue(Principal.fromToken("customer:" + CUSTOMER, null, "shop", Set.of()).isEmpty(), "no client principal");
        assertTrue(Principal.fromToken("customer:" + CUSTOMER, "customer:" + CUSTOMER, "shop", Set.of()).isEmpty());
        assertTrue(Principal.fromToken("customer:nope", "storefront:" + STOREFRONT, "shop", Set.of()).isEmpty());
        assertTrue(Principal.fromToken("merchant", null, "m", Set.of()).isEmpty(), "a merchant needs an id");
        assertTrue(Principal.fromToken("operator:" + STOREFRONT, null, "o", Set.of()).isEmpty(), "the operator has none");
        assertTrue(Principal.fromToken("robot:" + STOREFRONT, null, "r", Set.of()).isEmpty());
    }

    @Test
    void systemWorkIsNamedByItsReasonSeesEveryRowAndIsNeverReadFromAToken() {
        Principal checkout = Principal.system("orders.checkout");

        assertTrue(checkout.isSystem());
        assertEquals("system:orders.checkout", checkout.subject());
        assertEquals(DSL.noCondition(), Tenancy.visibleTo(checkout, DSL.inline("merchant"), DSL.val(STOREFRONT)));
        assertTrue(Principal.fromToken(checkout.subject(), null, "shop", Set.of()).isEmpty());
        assertFalse(new Principal(PrincipalType.OPERATOR, null, "ops", Set.of()).isSystem(), "the operator is a client");
        assertThrows(IllegalArgumentException.class, () -> Principal.system(" "));
    }
}
