package dev.marketplace.server.dropship;

import dev.marketplace.server.orders.FulfilmentService;
import dev.marketplace.server.orders.Order;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.orders.SubOrderStatus;
import dev.marketplace.server.orders.SubOrderView;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Sub-order lines forwarded to their suppliers exactly once, and their tracking brought back as shipments
 * (decision 39). The intent is written by the subscriber in the transaction that moves its cursor (one row per line,
 * whatever the replays); the job claims due rows in a short transaction, calls the supplier outside any transaction
 * with the line as idempotency key, and records the outcome in another. An unknown outcome (no answer) leaves the row
 * pending: it is sent again with the same key after its lease, and the supplier answers with the order it made.
 */
public final class ForwardingService {

    public static final String FORWARDING_JOB = "dropship.forwarding";
    public static final String TRACKING_JOB = "dropship.tracking";
    private static final int BATCH = 50;
    private static final Principal FORWARDING = Principal.system("dropship.forwarding");
    private static final Principal TRACKING = Principal.system("dropship.tracking");
    private static final System.Logger LOG = System.getLogger(ForwardingService.class.getName());

    private final DSLContext dsl;
    private final DropshipService dropship;
    private final Connectors connectors;
    private final OrderService orders;
    private final FulfilmentService fulfilment;
    private final DropshipSettings settings;
    private final DropshipRepository repository = new DropshipRepository();

    ForwardingService(DSLContext dsl, DropshipService dropship, Connectors connectors, OrderService orders,
                      FulfilmentService fulfilment, DropshipSettings settings) {
        this.dsl = dsl;
        this.dropship = dropship;
        this.connectors = connectors;
        this.orders = orders;
        this.fulfilment = fulfilment;
        this.settings = settings;
    }

    /**
     * In the subscriber's transaction: records the sub-order's drop-shipped lines to forward. On a paid sub-order
     * ({@code accepted} false) only the lines of connections that forward automatically; on acceptance, all of them
     * (a line recorded already is left as it is). The lines are read only when the sub-order's merchant has a
     * connection: reading them for every paid sub-order was over a quarter of the subscribers' handling (decision 147).
     */
    void subOrderReady(DSLContext tx, UUID subOrderId, UUID merchantId, boolean accepted) {
        if (!repository.hasConnection(tx, merchantId)) {
            return;
        }
        List<Order.Line> lines = orders.linesOf(tx, subOrderId).orElse(List.of());
        if (lines.isEmpty()) {
            return;
        }
        Map<UUID, DropshipRepository.ImportedVariant> variants = repository.variantsByVariantId(tx,
                lines.stream().map(Order.Line::variantId).toList());
        List<Forward> forwards = new ArrayList<>();
        OffsetDateTime now = dropship.now();
        for (Order.Line line : lines) {
            DropshipRepository.ImportedVariant variant = variants.get(line.variantId());
            if (variant == null) {
                continue;
            }
            Connection connection = repository.get(tx, variant.connectionId()).orElseThrow();
            if (!accepted && !connection.autoForward()) {
                continue;
            }
            forwards.add(new Forward(UUID.randomUUID(), variant.merchantId(), subOrderId, line.lineNumber(),
                    line.variantId(), line.quantity(), variant.connectionId(), variant.supplierSku(),
                    ForwardStatus.PENDING, Optional.empty(), Optional.empty(), 0, now, Optional.empty(),
                    Optional.empty(), false, now, now));
        }
        repository.insertForwards(tx, forwards);
    }

    /** The job: sends the due forwards. Returns how many it sent (whatever their outcome). */
    public int sendDue() {
        List<Forward> claimed = dsl.transactionResult(tx -> repository.claimDueForwards(tx.dsl(), dropship.now(),
                settings.forwardLease(), BATCH));
        claimed.forEach(this::send);
        return claimed.size();
    }

    private void send(Forward claimed) {
        SubOrderView subOrder = fulfilment.get(FORWARDING, claimed.subOrderId());
        if (subOrder.subOrder().status() == SubOrderStatus.CANCELLED || subOrder.subOrder().status() == SubOrderStatus.REJECTED) {
            dsl.transaction(tx -> repository.update(tx.dsl(), claimed, claimed.with(ForwardStatus.CANCELLED, dropship.now())));
            return;
        }
        Forward routed = route(claimed);
        Connection connection = repository.get(dsl, routed.connectionId()).orElseThrow();
        Order.ShippingAddress address = subOrder.shippingAddress();
        SupplierConnector.PlacedOrder placed;
        try {
            placed = dropship.connectorOf(connection).placeOrder(new SupplierConnector.SupplierOrder(
                    routed.idempotencyKey(), routed.supplierSku(), routed.quantity(), new SupplierConnector.ShipTo(
                    address.name(), address.country(), address.postalCode(), address.region(), address.locality(),
                    address.line1(), address.line2(), address.phone())));
        } catch (SupplierException e) {
            LOG.log(System.Logger.Level.INFO, "forward " + claimed.id() + " not sent (sent again after its lease): "
                    + e.getMessage());
            return;
        }
        OffsetDateTime now = dropship.now();
        Forward outcome = switch (placed) {
            case SupplierConnector.PlacedOrder.Accepted accepted -> routed.forwarded(accepted.supplierOrderRef(), now);
            case SupplierConnector.PlacedOrder.Refused refused -> routed.refused(refused.reason(), now);
        };
        dsl.transaction(tx -> repository.update(tx.dsl(), claimed, outcome));
        if (outcome.status() == ForwardStatus.FORWARDED
                && subOrder.subOrder().status() == SubOrderStatus.AWAITING_ACCEPTANCE) {
            acceptForwarded(claimed.subOrderId());
        }
    }

    /** A sub-order forwarded automatically is accepted for its merchant: the supplier took it. */
    private void acceptForwarded(UUID subOrderId) {
        try {
            fulfilment.accept(FORWARDING, subOrderId, "forwarded to the supplier");
        } catch (ProblemException e) {
            if (e.status() != 409) {
                throw e;
            } // accepted meanwhile (another line's forward, or the merchant)
        }
    }

    /**
     * Failover (decision 39): a line whose primary supplier's circuit breaker is open goes to the variant's backup
     * supplier when it has one that is healthy; each change of direction of a connection is recorded once.
     */
    private Forward route(Forward forward) {
        Connection primary = repository.get(dsl, forward.connectionId()).orElseThrow();
        Optional<DropshipRepository.ImportedVariant> variant = Optional.ofNullable(
                repository.variantsByVariantId(dsl, List.of(forward.variantId())).get(forward.variantId()));
        if (variant.isEmpty() || variant.get().backupConnectionId().isEmpty()
                || !variant.get().connectionId().equals(forward.connectionId())) {
            return forward;
        }
        UUID backupId = variant.get().backupConnectionId().get();
        boolean failing = connectors.unhealthy(primary);
        Optional<Connection> backup = repository.get(dsl, backupId);
        boolean useBackup = failing && backup.isPresent() && !connectors.unhealthy(backup.get());
        recordSwitchIfChanged(primary, backupId, useBackup);
        return useBackup ? forward.via(backupId, variant.get().backupSupplierSku().orElseThrow()) : forward;
    }

    private void recordSwitchIfChanged(Connection primary, UUID backupId, boolean useBackup) {
        dsl.transaction(tx -> {
            Optional<String> last = repository.lastSwitch(tx.dsl(), primary.id());
            String now = useBackup ? "to_backup" : "to_primary";
            if (last.orElse("to_primary").equals(now)) {
                return;
            }
            repository.recordSwitch(tx.dsl(), primary.merchantId(), primary.id(), backupId, now,
                    useBackup ? "the primary supplier's circuit breaker is open" : "the primary supplier is healthy again",
                    dropship.now());
        });
    }

    /** The job: reads the tracking of forwarded lines that are due. Returns how many it read. */
    public int pollTracking() {
        List<Forward> claimed = dsl.transactionResult(tx -> repository.claimDueTracking(tx.dsl(), dropship.now(),
                settings.trackingEvery(), BATCH));
        claimed.forEach(this::track);
        return claimed.size();
    }

    /**
     * Brings one line's supplier status forward, never back: shipped with a tracking number becomes the sub-order's
     * shipment of that line (once: a shipment already recorded is not recorded again), delivered reports the parcel
     * delivered; an answer older than what is recorded changes nothing.
     */
    private void track(Forward claimed) {
        Connection connection = repository.get(dsl, claimed.connectionId()).orElseThrow();
        SupplierConnector.SupplierOrderStatus status;
        try {
            status = dropship.connectorOf(connection).orderStatus(claimed.supplierOrderRef().orElseThrow());
        } catch (SupplierException e) {
            LOG.log(System.Logger.Level.INFO, "tracking of forward " + claimed.id() + " not read: " + e.getMessage());
            return;
        }
        apply(connection, claimed, status);
    }

    /**
     * The supplier's signed tracking webhook (decision 56), applied as a poll's answer is: to every line forwarded on
     * the connection under the supplier's order reference, forward only, so a repeated or replayed event and one older
     * than what is recorded change nothing. Returns how many lines it names; 0 for an unknown reference.
     */
    public Optional<ConnectorKind> connectionKind(UUID connectionId) {
        return repository.get(dsl, connectionId).map(Connection::kind);
    }

    public int supplierEvent(UUID connectionId, String supplierOrderRef, SupplierConnector.SupplierOrderStatus status) {
        Connection connection = repository.get(dsl, connectionId).orElseThrow();
        List<Forward> lines = repository.forwardsBySupplierRef(dsl, connectionId, supplierOrderRef);
        lines.forEach(line -> apply(connection, line, status));
        return lines.size();
    }

    private void apply(Connection connection, Forward claimed, SupplierConnector.SupplierOrderStatus status) {
        if (claimed.status() != ForwardStatus.FORWARDED && claimed.status() != ForwardStatus.SHIPPED) {
            return;
        }
        if (status.progress() == SupplierConnector.Progress.PLACED || status.trackingNumber().isEmpty()) {
            return;
        }
        String carrier = status.carrier().orElse(connection.name());
        String tracking = status.trackingNumber().get();
        Forward current = claimed;
        if (current.status() == ForwardStatus.FORWARDED) {
            recordShipment(current, carrier, tracking);
            Forward shipped = current.tracked(ForwardStatus.SHIPPED, carrier, tracking, true, current.dueAt());
            if (!dsl.transactionResult(tx -> repository.update(tx.dsl(), claimed, shipped))) {
                return;
            }
            current = shipped;
        }
        if (status.progress() == SupplierConnector.Progress.DELIVERED && current.status() == ForwardStatus.SHIPPED) {
            fulfilment.parcelDelivered(current.carrier().orElse(carrier), current.trackingNumber().orElse(tracking));
            Forward from = current;
            dsl.transaction(tx -> repository.update(tx.dsl(), from, from.with(ForwardStatus.DELIVERED, from.dueAt())));
        }
    }

    private void recordShipment(Forward forward, String carrier, String tracking) {
        try {
            fulfilment.ship(TRACKING, forward.subOrderId(), carrier, tracking, Map.of(forward.lineNumber(), forward.quantity()));
        } catch (ProblemException e) {
            if (e.status() != 409 && e.status() != 422) {
                throw e;
            } // the line shipped already: this tracking was recorded by an earlier read that died before noting it
        }
    }

    // --- the merchant's view and actions

    public Page<Forward> list(Principal caller, Optional<UUID> subOrderId, Optional<ForwardStatus> status,
                              PageRequest page) {
        return Page.fromLookahead(repository.listForwards(dsl, caller, subOrderId, status, page), page.limit(),
                DropshipRepository::cursorOf);
    }

    public Forward get(Principal caller, UUID id) {
        return repository.findForward(dsl, caller, id, false).orElseThrow(ForwardingService::forwardNotFound);
    }

    /** A refused forward sent again (the merchant fixed what the supplier refused, or it has stock again). */
    public Forward retry(Principal caller, UUID id) {
        return dsl.transactionResult(tx -> {
            Forward forward = repository.findForward(tx.dsl(), caller, id, true).orElseThrow(ForwardingService::forwardNotFound);
            if (forward.status() != ForwardStatus.REFUSED) {
                throw ProblemException.conflict("forward_not_refused", "Only a forward the supplier refused is retried.")
                        .with("currentStatus", forward.status().wireName());
            }
            Forward pending = forward.with(ForwardStatus.PENDING, dropship.now());
            repository.update(tx.dsl(), forward, pending);
            return pending;
        });
    }

    /**
     * A refused forward given up: its sub-order is cancelled through the order flow (refunded, restocked) and the
     * forward ends cancelled.
     */
    public Forward cancel(Principal caller, UUID id, String reason) {
        Forward forward = get(caller, id);
        if (forward.status() != ForwardStatus.REFUSED) {
            throw ProblemException.conflict("forward_not_refused", "Only a forward the supplier refused is cancelled.")
                    .with("currentStatus", forward.status().wireName());
        }
        fulfilment.cancel(caller, forward.subOrderId(), reason);
        Forward cancelled = forward.with(ForwardStatus.CANCELLED, forward.dueAt());
        dsl.transaction(tx -> repository.update(tx.dsl(), forward, cancelled));
        return cancelled;
    }

    static ProblemException forwardNotFound() {
        return ProblemException.notFound("forward");
    }
}
