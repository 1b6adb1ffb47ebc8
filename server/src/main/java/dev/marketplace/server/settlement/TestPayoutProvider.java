package dev.marketplace.server.settlement;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The built-in payout provider for the embedded default, demos and tests: it moves no real money and keeps its
 * records in memory (gone on restart, not shared between nodes — never configure it in production). It pays every
 * payout at once, unless a test queued another behaviour for the next new payouts ({@link #next}).
 */
public final class TestPayoutProvider implements PayoutProvider {

    /** What the provider does with a new payout (a repeated key always gets the first answer). */
    public enum Behaviour {
        PAY,
        DECLINE,
        /** Accepts it as pending; {@link #settle} pays or fails it later. */
        HOLD_PENDING,
        /** Pays it, but the answer is lost: the caller sees an outcome-unknown failure. */
        PAY_AND_LOSE_ANSWER,
        /** Never receives it: the caller sees an outcome-unknown failure and the provider has no record. */
        UNREACHABLE
    }

    private final Map<String, ProviderPayout> payoutsByKey = new ConcurrentHashMap<>();
    private final Queue<Behaviour> queued = new ConcurrentLinkedQueue<>();
    private final Map<String, Integer> paidTimesByKey = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "test";
    }

    /** Queues behaviours for the next new payouts, in order; after them it pays. */
    public void next(Behaviour... behaviours) {
        queued.addAll(List.of(behaviours));
    }

    /** Settles a payout held pending: paid or failed. */
    public void settle(String idempotencyKey, boolean paid) {
        payoutsByKey.computeIfPresent(idempotencyKey, (key, payout) -> {
            if (paid) {
                paidTimesByKey.merge(key, 1, Integer::sum);
            }
            return new ProviderPayout(payout.id(), paid ? ProviderPayout.Status.PAID : ProviderPayout.Status.FAILED,
                    paid ? null : "account_closed");
        });
    }

    /** How many times money left for this key: never more than once. */
    public int timesPaid(String idempotencyKey) {
        return paidTimesByKey.getOrDefault(idempotencyKey, 0);
    }

    @Override
    public ProviderPayout pay(PayoutRequest request) {
        ProviderPayout known = payoutsByKey.get(request.idempotencyKey());
        if (known != null) {
            return known;
        }
        Behaviour behaviour = Optional.ofNullable(queued.poll()).orElse(Behaviour.PAY);
        if (behaviour == Behaviour.UNREACHABLE) {
            throw new PayoutProviderException("provider_unavailable", "the test provider was not reached", true, null);
        }
        ProviderPayout payout = payoutsByKey.computeIfAbsent(request.idempotencyKey(), key -> {
            String id = "test_po_" + UUID.randomUUID();
            return switch (behaviour) {
                case DECLINE -> new ProviderPayout(id, ProviderPayout.Status.FAILED, "account_closed");
                case HOLD_PENDING -> new ProviderPayout(id, ProviderPayout.Status.PENDING, null);
                default -> {
                    paidTimesByKey.merge(key, 1, Integer::sum);
                    yield new ProviderPayout(id, ProviderPayout.Status.PAID, null);
                }
            };
        });
        if (behaviour == Behaviour.PAY_AND_LOSE_ANSWER) {
            throw new PayoutProviderException("provider_unavailable", "the test provider's answer was lost", true, null);
        }
        return payout;
    }

    @Override
    public Optional<ProviderPayout> findByIdempotencyKey(String idempotencyKey) {
        return Optional.ofNullable(payoutsByKey.get(idempotencyKey));
    }
}
