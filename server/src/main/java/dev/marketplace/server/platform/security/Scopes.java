package dev.marketplace.server.platform.security;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The OAuth2 scopes (as in the OpenAPI document's security scheme) and the most each kind of principal may
 * hold: a merchant can never be granted the operator's {@code categories:write}, {@code catalog:moderate} or {@code merchants:admin},
 * whoever creates its client. Reserving stock ({@code inventory:reserve}) is for checkouts: the operator and
 * storefronts, never merchants, who manage their stock with {@code inventory:write}. A storefront registers
 * customers ({@code customers:register}); {@code customers:read}, {@code customers:write} and
 * {@code points:exchange} on a storefront's or partner's token only reach a customer's data when the customer
 * consented (a customer-bound token from the authorization code grant).
 * Carts, checkout and
 * payment ({@code cart:write}, {@code orders:read}, {@code orders:write}) are storefronts' (and the operator's);
 * merchants read their sub-orders ({@code orders:read}) and work them ({@code fulfilment:write}). The ledger
 * ({@code settlement:read}) is the operator's and, for their own accounts, merchants'; its terms
 * ({@code settlement:write}: commission overrides, deposits, adjustments) the operator's alone. Parked domain events
 * ({@code events:admin}) and the metrics ({@code metrics:read}) are the operator's alone. Every kind of principal manages its own webhook endpoints
 * ({@code webhooks:read}, {@code webhooks:write}) and receives the events it could read. A customer's points
 * ({@code points:read}) are read through a storefront's or partner's customer-bound token; campaigns
 * ({@code points:write}) are the operator's and merchants' (their own), tiers and adjustments the operator's.
 * Sales channels (decision 41): a storefront or partner reads its own attributed orders, statements and scorecards
 * ({@code channels:read}); registering channels, codes, deposits and their draws ({@code channels:write}) is the
 * operator's.
 * Drop-ship connections, imports, syncs and forwards ({@code dropship:read}, {@code dropship:write}) are merchants'
 * (the operator reads).
 * Partners and their exchange terms ({@code partners:write}) are the operator's; {@code partners:read} lets the
 * operator read every partner and a partner its own record, terms, reconciliation files and statements.
 * Reviews ({@code reviews:write}, {@code reviews:read}) are written and read by customers through a storefront's
 * customer-bound token; merchants read the reviews of their products ({@code reviews:read}) and answer them
 * ({@code reviews:reply}); the operator moderates ({@code reviews:moderate}).
 * Coupons ({@code promotions:read}, {@code promotions:write}) are the operator's and merchants' (their own).
 * Partners read the assortments shared with them and their leases ({@code partner_inventory:read}) and take, commit
 * and release leases ({@code leases:write}); sharing assortments and setting lease limits
 * ({@code partner_inventory:admin}) is the operator's. A merchant opts in to a partner with {@code catalog:write}.
 */
public final class Scopes {

    public static final String CATALOG_READ = "catalog:read";
    public static final String CATALOG_WRITE = "catalog:write";
    public static final String CATALOG_MODERATE = "catalog:moderate";
    public static final String CATEGORIES_WRITE = "categories:write";
    public static final String CLIENTS_READ = "clients:read";
    public static final String CLIENTS_WRITE = "clients:write";
    public static final String CUSTOMERS_READ = "customers:read";
    public static final String CUSTOMERS_REGISTER = "customers:register";
    public static final String CUSTOMERS_WRITE = "customers:write";
    public static final String INVENTORY_READ = "inventory:read";
    public static final String INVENTORY_RESERVE = "inventory:reserve";
    public static final String INVENTORY_WRITE = "inventory:write";
    public static final String MERCHANTS_ADMIN = "merchants:admin";
    public static final String MERCHANTS_READ = "merchants:read";
    public static final String POINTS_EXCHANGE = "points:exchange";
    public static final String CART_WRITE = "cart:write";
    public static final String ORDERS_READ = "orders:read";
    public static final String ORDERS_WRITE = "orders:write";
    public static final String FULFILMENT_WRITE = "fulfilment:write";
    public static final String SETTLEMENT_READ = "settlement:read";
    public static final String EVENTS_ADMIN = "events:admin";
    public static final String METRICS_READ = "metrics:read";
    public static final String WEBHOOKS_READ = "webhooks:read";
    public static final String WEBHOOKS_WRITE = "webhooks:write";
    public static final String SETTLEMENT_WRITE = "settlement:write";
    public static final String POINTS_READ = "points:read";
    public static final String POINTS_WRITE = "points:write";
    public static final String CHANNELS_READ = "channels:read";
    public static final String CHANNELS_WRITE = "channels:write";
    public static final String DROPSHIP_READ = "dropship:read";
    public static final String DROPSHIP_WRITE = "dropship:write";
    public static final String PARTNERS_READ = "partners:read";
    public static final String PARTNERS_WRITE = "partners:write";
    public static final String REVIEWS_READ = "reviews:read";
    public static final String REVIEWS_WRITE = "reviews:write";
    public static final String REVIEWS_REPLY = "reviews:reply";
    public static final String REVIEWS_MODERATE = "reviews:moderate";
    public static final String PROMOTIONS_READ = "promotions:read";
    public static final String PROMOTIONS_WRITE = "promotions:write";
    public static final String PARTNER_INVENTORY_READ = "partner_inventory:read";
    public static final String LEASES_WRITE = "leases:write";
    public static final String PARTNER_INVENTORY_ADMIN = "partner_inventory:admin";

    public static final Set<String> ALL = Set.of(CATALOG_READ, CATALOG_WRITE, CATALOG_MODERATE, CATEGORIES_WRITE,
            CLIENTS_READ, CLIENTS_WRITE, CUSTOMERS_READ, CUSTOMERS_REGISTER, CUSTOMERS_WRITE, INVENTORY_READ,
            INVENTORY_RESERVE, INVENTORY_WRITE, MERCHANTS_ADMIN, MERCHANTS_READ, POINTS_EXCHANGE, CART_WRITE, ORDERS_READ,
            ORDERS_WRITE, FULFILMENT_WRITE, SETTLEMENT_READ, SETTLEMENT_WRITE, EVENTS_ADMIN, WEBHOOKS_READ,
            WEBHOOKS_WRITE, POINTS_READ, POINTS_WRITE, METRICS_READ, CHANNELS_READ, CHANNELS_WRITE, DROPSHIP_READ,
            DROPSHIP_WRITE, PARTNERS_READ, PARTNERS_WRITE, REVIEWS_READ, REVIEWS_WRITE, REVIEWS_REPLY, REVIEWS_MODERATE,
            PROMOTIONS_READ, PROMOTIONS_WRITE, PARTNER_INVENTORY_READ, LEASES_WRITE, PARTNER_INVENTORY_ADMIN);

    /** Scopes a customer can delegate to a client (customer-facing operations); the others are the client's own business. */
    public static final Set<String> DELEGABLE = Set.of(CUSTOMERS_READ, CUSTOMERS_WRITE, POINTS_EXCHANGE, CART_WRITE,
            ORDERS_READ, ORDERS_WRITE, POINTS_READ, REVIEWS_READ, REVIEWS_WRITE);

    private static final Map<PrincipalType, Set<String>> CEILINGS = new EnumMap<>(Map.of(
            PrincipalType.OPERATOR, ALL,
            PrincipalType.MERCHANT, Set.of(CATALOG_READ, CATALOG_WRITE, CLIENTS_READ, CLIENTS_WRITE, INVENTORY_READ,
                    INVENTORY_WRITE, MERCHANTS_READ, ORDERS_READ, FULFILMENT_WRITE, SETTLEMENT_READ, WEBHOOKS_READ,
                    WEBHOOKS_WRITE, POINTS_READ, POINTS_WRITE, DROPSHIP_READ, DROPSHIP_WRITE, REVIEWS_READ, REVIEWS_REPLY,
                    PROMOTIONS_READ, PROMOTIONS_WRITE),
            PrincipalType.STOREFRONT, Set.of(CATALOG_READ, CLIENTS_READ, CLIENTS_WRITE, CUSTOMERS_READ,
                    CUSTOMERS_REGISTER, CUSTOMERS_WRITE, INVENTORY_RESERVE, CART_WRITE, ORDERS_READ, ORDERS_WRITE,
                    WEBHOOKS_READ, WEBHOOKS_WRITE, POINTS_READ, CHANNELS_READ, REVIEWS_READ, REVIEWS_WRITE),
            PrincipalType.PARTNER, Set.of(CATALOG_READ, CLIENTS_READ, CLIENTS_WRITE, CUSTOMERS_READ, POINTS_EXCHANGE,
                    WEBHOOKS_READ, WEBHOOKS_WRITE, POINTS_READ, CHANNELS_READ, PARTNERS_READ, PARTNER_INVENTORY_READ,
                    LEASES_WRITE)));

    private Scopes() {
    }

    public static Set<String> allowedFor(PrincipalType type) {
        return CEILINGS.get(type);
    }
}
