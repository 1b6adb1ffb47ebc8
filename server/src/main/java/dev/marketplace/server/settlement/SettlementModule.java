package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import java.util.List;
import org.jooq.DSLContext;

/**
 * The settlement domain: the ledger, its posting subscriber ({@value LedgerPosting#SUBSCRIBER}, polled by the node's
 * jobs) and its routes ({@link LedgerHttpService#PATH}). It reacts to other domains only through their money
 * movements, so it needs no other module.
 */
public final class SettlementModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String LEDGER_POSTING = LedgerPosting.SUBSCRIBER;

    private final Ledger ledger = new Ledger();
    private final LedgerHttpService http;

    public SettlementModule(DSLContext dsl) {
        this.http = new LedgerHttpService(new SettlementService(dsl, ledger));
    }

    @Override
    public String name() {
        return "settlement";
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(LedgerHttpService.PATH, http);
    }

    @Override
    public List<Subscriber> subscribers() {
        return List.of(new LedgerPosting(ledger).subscriber());
    }
}
