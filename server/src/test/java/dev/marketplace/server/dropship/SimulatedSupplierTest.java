package dev.marketplace.server.dropship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.marketplace.server.dropship.SupplierConnector.PlacedOrder;
import dev.marketplace.server.dropship.SupplierConnector.ShipTo;
import dev.marketplace.server.dropship.SupplierConnector.StockReport;
import dev.marketplace.server.dropship.SupplierConnector.SupplierOrder;
import dev.marketplace.server.dropship.SupplierConnector.SupplierStock;
import dev.marketplace.server.dropship.SupplierConnector.SupplierVariant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The built-in supplier's catalog is generated on demand; what changes is kept and reported in catalog order. */
class SimulatedSupplierTest {

    private static final ShipTo SHIP_TO = new ShipTo("Hanako", "JP", "100-0001", "Tokyo", "Chiyoda", "1-1", "", "0312345678");

    @Test
    void reportsTheWholeGeneratedCatalogInOrderAtFirst() {
        SimulatedSupplier supplier = new SimulatedSupplier(3, 2);

        StockReport all = supplier.stock(Optional.empty());

        assertThat(all.incremental()).isFalse();
        assertThat(all.items()).extracting(SupplierStock::sku).containsExactly(
                "SIM-P000001-A", "SIM-P000001-B", "SIM-P000002-A", "SIM-P000002-B", "SIM-P000003-A", "SIM-P000003-B");
        // product n, variant v: stock 10 + (n + v) % 50, cost 500 + 37n % 5,000 + 10v
        assertThat(all.items().get(3)).isEqualTo(new SupplierStock("SIM-P000002-B", 13, 584));
        List<SupplierVariant> firstProduct = supplier.products(Optional.empty()).products().getFirst().variants();
        assertThat(firstProduct).extracting(SupplierVariant::sku, SupplierVariant::stock, SupplierVariant::cost)
                .containsExactly(tuple("SIM-P000001-A", 11L, 537L),
                        tuple("SIM-P000001-B", 12L, 547L));
    }

    @Test
    void reportsOnlyWhatChangedSinceTheMarkerInCatalogOrder() {
        SimulatedSupplier supplier = new SimulatedSupplier(3, 2);
        String marker = supplier.stock(Optional.empty()).nextMarker().orElseThrow();

        supplier.setCost("SIM-P000003-A", 900);
        supplier.setStock("SIM-P000001-B", 0);
        PlacedOrder placed = supplier.placeOrder(new SupplierOrder("line-1", "SIM-P000002-A", 4, SHIP_TO));

        assertThat(placed).isInstanceOf(PlacedOrder.Accepted.class);
        StockReport changes = supplier.stock(Optional.of(marker));
        assertThat(changes.incremental()).isTrue();
        assertThat(changes.items()).containsExactly(new SupplierStock("SIM-P000001-B", 0, 547),
                new SupplierStock("SIM-P000002-A", 8, 574), new SupplierStock("SIM-P000003-A", 13, 900));
        assertThat(supplier.stock(changes.nextMarker()).items()).isEmpty();
        assertThat(supplier.stock(Optional.empty()).items()).hasSize(6).contains(new SupplierStock("SIM-P000002-A", 8, 574));
    }

    @Test
    void refusesOrdersItCannotFillAndSkusItDoesNotHave() {
        SimulatedSupplier supplier = new SimulatedSupplier(3, 2);

        assertThat(supplier.placeOrder(new SupplierOrder("a", "SIM-P000001-A", 12, SHIP_TO)))
                .isEqualTo(new PlacedOrder.Refused("out of stock: 11 left of SIM-P000001-A"));
        for (String unknown : List.of("SIM-P000004-A", "SIM-P000001-C", "SIM-P1-A", "SIM-P000000-A", "SIM-Pabcdef-A", "X")) {
            assertThat(supplier.placeOrder(new SupplierOrder(unknown, unknown, 1, SHIP_TO)))
                    .isEqualTo(new PlacedOrder.Refused("unknown SKU " + unknown));
        }
        assertThatThrownBy(() -> supplier.setStock("SIM-P000004-A", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(supplier.stockOf("SIM-P000001-A")).isEqualTo(11);
    }
}
