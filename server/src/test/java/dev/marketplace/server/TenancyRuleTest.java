package dev.marketplace.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.marketplace.schema.DefaultSchema;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.Tenancy;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jooq.Table;
import org.junit.jupiter.api.Test;

/**
 * Every repository query made for a principal on a tenant-owned table applies the one tenancy rule (decision 28):
 * the method calls {@link Tenancy#visibleTo}, or its repository's application of it to its table ({@code visibleTo},
 * {@code ownedBy}), which in turn is nothing but {@link Tenancy#visibleTo}, or takes a statement rendered with the rule
 * for its viewer ({@link Tenancy.Rendered#forViewer}, decision 115). So another tenant's row is not found.
 * Methods without a principal are the server's own work, decided by their service.
 */
class TenancyRuleTest {

    /** Tables whose rows belong to a merchant, storefront, partner or customer. */
    static final Set<String> TENANT_OWNED = Set.of(
            "merchant", "api_client", "product", "product_variant", "product_feed_entry",
            "stock_location", "stock_level", "stock_reservation", "stock_reservation_line", "low_stock_event",
            "cart", "cart_line", "customer_order", "sub_order", "order_line", "order_return", "order_return_line",
            "shipment", "shipment_line",
            "change_log", "webhook_endpoint", "channel", "dropship_connection", "dropship_variant", "dropship_sync_run",
            "dropship_forward", "dropship_switch", "review", "partner_lease",
            "partner_lease_line", "storefront");

    /** The rule's names: the platform's one, and each repository's application of it to its table. */
    private static final Set<String> RULES = Set.of("visibleTo", "ownedBy");

    /** Methods that take a principal only to record it as a row's owner or author, never to find rows for it. */
    private static final Set<String> RECORD_THE_PRINCIPAL = Set.of(
            "dev.marketplace.server.inventory.InventoryRepository.insertReservation");

    private static final JavaClasses SERVER_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.marketplace.server", "dev.marketplace.schema");

    @Test
    void everyTenantOwnedTableExists() {
        Set<String> generated = new TreeSet<>();
        DefaultSchema.DEFAULT_SCHEMA.getTables().forEach(table -> generated.add(table.getName()));

        assertThat(generated).containsAll(TENANT_OWNED);
    }

    @Test
    void repositoryQueriesForAPrincipalApplyTheTenancyRule() {
        Map<String, String> tableOfClass = new HashMap<>();
        for (Table<?> table : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            tableOfClass.put(table.getClass().getName(), table.getName());
            tableOfClass.put(table.getRecordType().getName(), table.getName());
        }
        Set<String> unguarded = new TreeSet<>();
        int checked = 0;
        int rules = 0;
        for (JavaClass repository : SERVER_CLASSES) {
            if (!repository.getSimpleName().endsWith("Repository")) {
                continue;
            }
            for (JavaMethod method : repository.getMethods()) {
                boolean forPrincipal = method.getRawParameterTypes().stream().anyMatch(type -> type.isEquivalentTo(Principal.class));
                if (forPrincipal && RULES.contains(method.getName())) {
                    rules++;
                    if (method.getMethodCallsFromSelf().stream().noneMatch(call -> call.getName().equals("visibleTo")
                            && call.getTargetOwner().isEquivalentTo(Tenancy.class))) {
                        unguarded.add(repository.getSimpleName() + "." + method.getName() + " is a rule of its own,"
                                + " not Tenancy.visibleTo");
                    }
                    continue;
                }
                if (!forPrincipal || RECORD_THE_PRINCIPAL.contains(repository.getName() + "." + method.getName())) {
                    continue;
                }
                Set<String> tenantTables = new TreeSet<>();
                for (JavaAccess<?> access : method.getAccessesFromSelf()) {
                    String table = tableOfClass.get(access.getTargetOwner().getName());
                    if (table != null && TENANT_OWNED.contains(table)) {
                        tenantTables.add(table);
                    }
                }
                if (tenantTables.isEmpty()) {
                    continue;
                }
                checked++;
                // A statement rendered once takes the text rendered with the rule for its viewer (decision 115).
                boolean appliesRule = method.getMethodCallsFromSelf().stream()
                        .anyMatch(call -> RULES.contains(call.getName())
                                && (call.getTargetOwner().isEquivalentTo(Tenancy.class)
                                || call.getTargetOwner().equals(repository))
                                || call.getName().equals("forViewer")
                                && call.getTargetOwner().isEquivalentTo(Tenancy.Rendered.class));
                if (!appliesRule) {
                    unguarded.add(repository.getSimpleName() + "." + method.getName() + " reads " + tenantTables
                            + " for a principal without the tenancy rule");
                }
            }
        }

        assertThat(checked).as("repository methods querying tenant-owned tables for a principal").isGreaterThan(20);
        assertThat(rules).as("repositories' rules").isGreaterThanOrEqualTo(8);
        assertThat(unguarded).isEmpty();
    }
}
