package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.jobs.Jobs;
import org.jooq.DSLContext;

/**
 * The settlement domain's wiring in one place: the ledger, its posting subscriber ({@value LedgerPosting#SUBSCRIBER},
 * polled by the node's jobs) and its routes ({@link LedgerHttpService#PATH}).
 */
public final class SettlementModule {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String LEDGER_POSTING = LedgerPosting.SUBSCRIBER;

    private final LedgerHttpService http;

    private SettlementModule(LedgerHttpService http) {
        this.http = http;
    }

    /** Subscribes the ledger's posting to the node's events; the module then serves its routes. */
    public static SettlementModule start(DSLContext dsl, EventSubscribers subscribers, Jobs jobs) {
        Ledger ledger = new Ledger();
        subscribers.subscribe(new LedgerPosting(ledger).subscriber(), jobs);
        return new SettlementModule(new LedgerHttpService(new SettlementService(dsl, ledger)));
    }

    public LedgerHttpService httpService() {
        return http;
    }
}
