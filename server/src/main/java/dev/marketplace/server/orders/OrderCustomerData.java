package dev.marketplace.server.orders;

import dev.marketplace.server.customers.CustomerDataHolder;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.PiiKeys;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Orders' personal data: shipping addresses are sealed at rest under the PII keys (re-sealed after a rotation), and
 * orders take part in a customer's privacy requests: the export lists every order with its lines, sub-orders, history
 * and shipping address; erasure anonymises the shipping addresses and keeps the amounts, so settlement and audit
 * still add up. While an order is placed or paid, erasure is refused: its merchants still need the address.
 */
public final class OrderCustomerData implements CustomerDataHolder {

    private final DSLContext dsl;
    private final OrderRepository repository;

    public OrderCustomerData(DSLContext dsl, PiiKeys piiKeys, OrderAttribution channels) {
        this.dsl = dsl;
        this.repository = new OrderRepository(piiKeys, channels);
    }

    @Override
    public String section() {
        return "orders";
    }

    @Override
    public List<Order> export(UUID customerId) {
        return repository.ofCustomer(dsl, customerId);
    }

    /**
     * Re-seals up to {@code batchSize} orders' shipping addresses sealed under a retired PII key, in one transaction
     * (SKIP LOCKED, safe on many nodes); how many it re-sealed.
     */
    public int resealAddresses(int batchSize) {
        return dsl.transactionResult(tx -> repository.resealAddresses(tx.dsl(), batchSize));
    }

    @Override
    public void erase(DSLContext tx, UUID customerId) {
        if (repository.hasOpenOrders(tx, customerId)) {
            throw ProblemException.conflict("orders_in_progress",
                    "Orders of this customer are still placed or paid; erase once they are completed or cancelled.");
        }
        repository.anonymiseAddresses(tx, customerId);
    }
}
