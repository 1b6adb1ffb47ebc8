package dev.marketplace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.marketplace.schema.DefaultSchema;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jooq.Table;
import org.junit.jupiter.api.Test;

/**
 * Every table belongs to one domain (decision 28), and only that domain's classes touch its generated jOOQ
 * classes. Another domain asks the owner's service. A new table fails here until it is given an owner.
 */
class TableOwnershipTest {

    private static final String SERVER = "dev.marketplace.server";

    /** Table → the package (below {@code dev.marketplace.server}) of the domain that owns it. The one map. */
    static final Map<String, String> OWNERS = owners(
            owned("catalog", "catalog_category", "product", "product_variant", "listing_search", "merchant_rating",
                    "listing_change_batch", "search_index_snapshot", "listing_search_version", "product_feed_entry",
                    "variants_for_sale", "products_handling_days"),
            owned("merchants", "merchant", "merchant_status_change", "merchants_in_status", "merchants_handling_days"),
            owned("clients", "api_client", "storefront"),
            owned("customers", "customer", "customer_token", "customer_privacy_event", "sign_in_event",
                    "sign_in_failure", "authorization_request"),
            owned("inventory", "stock_location", "stock_level", "stock_reservation", "stock_reservation_line",
                    "low_stock_event", "stock_most_available", "stock_levels_locked", "stock_levels_locked_by_key"),
            owned("orders", "cart", "cart_line", "customer_order", "sub_order", "order_line", "order_transition",
                    "shipment", "shipment_line", "order_return", "order_return_line"),
            owned("payments", "payment", "payment_refund", "payment_webhook_event"),
            owned("webhooks", "webhook_endpoint", "webhook_tenant_sequence", "webhook_delivery", "webhook_attempt"),
            owned("settlement", "ledger_account", "ledger_transaction", "ledger_entry", "ledger_pending_commission",
                    "settlement_commission_override", "settlement_merchant_gmv", "settlement_commission",
                    "settlement_reserve_hold", "settlement_deposit", "settlement_deposit_refund", "ledger_reference", "payout", "adjustment",
                    "settlement_statement"),
            owned("points", "points_order", "points_order_line", "points_sub_order", "points_campaign", "points_tier",
                    "points_customer_tier", "points_lot", "points_entry", "points_redemption", "points_exchange_hold",
                    "points_merchant_campaign_limit"),
            owned("channels", "channel", "channel_code", "channel_order", "channel_sub_order", "channel_statement_line",
                    "channel_deposit", "channel_service_response"),
            owned("dropship", "dropship_connection", "dropship_variant", "dropship_sync_run", "dropship_forward",
                    "dropship_switch"),
            owned("partners", "partner", "partner_member_link", "partner_exchange_terms", "partner_exchange",
                    "partner_exchange_usage", "partner_exchange_day_stripe", "partner_file_line"),
            owned("reviews", "review", "service_level_standing"),
            owned("promotions", "promotion_coupon", "promotion_coupon_stripe", "promotion_customer_use",
                    "promotion_order", "promotion_redemption", "promotion_order_line"),
            owned("platform.security", "signing_key", "revoked_token", "revoked_client", "audit_event",
                    "oauth_consent", "token_family", "authorization_code", "refresh_token", "family_access_token",
                    "rate_limit_bucket", "lease_rate_limit_tokens"),
            owned("platform.http", "idempotency_record"),
            owned("platform.changes", "change_log", "change_feed"),
            owned("platform.events", "domain_event", "domain_event_feed", "event_subscription", "parked_event"),
            owned("partners.inventory", "partner_merchant_opt_in", "partner_assortment_share", "partner_lease_limit",
                    "partner_lease_holding", "partner_lease_return", "partner_lease", "partner_lease_line"));

    /**
     * The one table other domains read directly: each domain's change feed is its slice of {@code change_log}
     * (rows written by the owner's triggers, settled by the platform), joined to the domain's own rows in one
     * statement so a page is one query (decisions 12, 14, 21). Readers filter by their own {@code feed}.
     */
    static final Map<String, Set<String>> FEED_READERS = Map.of(
            "change_log", Set.of("catalog", "inventory", "orders", "reviews"));

    private static final JavaClasses SERVER_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(SERVER, "dev.marketplace.schema");

    @Test
    void everyGeneratedTableHasAnOwner() {
        Set<String> generated = DefaultSchema.DEFAULT_SCHEMA.getTables().stream().map(Table::getName)
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(OWNERS.keySet()).as("tables in the ownership map")
                .containsExactlyInAnyOrderElementsOf(generated);
    }

    @Test
    void onlyTheOwningDomainTouchesATable() {
        Map<String, String> tableOfClass = new HashMap<>();
        for (Table<?> table : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            tableOfClass.put(table.getClass().getName(), table.getName());
            tableOfClass.put(table.getRecordType().getName(), table.getName());
        }
        Set<String> breaches = new TreeSet<>();
        for (JavaClass javaClass : SERVER_CLASSES) {
            if (!javaClass.getPackageName().startsWith(SERVER)) {
                continue;
            }
            Stream.concat(
                    javaClass.getDirectDependenciesFromSelf().stream()
                            .map(dependency -> tableOfClass.get(dependency.getTargetClass().getName())),
                    javaClass.getFieldAccessesFromSelf().stream()
                            .filter(access -> access.getTargetOwner().getName().equals("dev.marketplace.schema.Tables"))
                            .map(access -> access.getTarget().getName().toLowerCase()))
                    .filter(table -> table != null && !mayTouch(javaClass, table))
                    .forEach(table -> breaches.add(javaClass.getName() + " touches " + table + ", owned by "
                            + OWNERS.getOrDefault(table, "nobody")));
        }

        assertThat(breaches).as("classes touching another domain's table").isEmpty();
    }

    private static boolean mayTouch(JavaClass javaClass, String table) {
        String owner = OWNERS.get(table);
        return owner != null && (inPackage(javaClass, owner)
                || FEED_READERS.getOrDefault(table, Set.of()).stream().anyMatch(reader -> inPackage(javaClass, reader)));
    }

    private static boolean inPackage(JavaClass javaClass, String domain) {
        String name = SERVER + "." + domain;
        return javaClass.getPackageName().equals(name) || javaClass.getPackageName().startsWith(name + ".");
    }

    private record Owned(String domain, Set<String> tables) {
    }

    private static Owned owned(String domain, String... tables) {
        return new Owned(domain, Set.of(tables));
    }

    private static Map<String, String> owners(Owned... owned) {
        Map<String, String> owners = new HashMap<>();
        for (Owned entry : owned) {
            entry.tables().forEach(table -> {
                String previous = owners.put(table, entry.domain());
                if (previous != null) {
                    throw new IllegalStateException(table + " has two owners: " + previous + " and " + entry.domain());
                }
            });
        }
        return Map.copyOf(owners);
    }
}
