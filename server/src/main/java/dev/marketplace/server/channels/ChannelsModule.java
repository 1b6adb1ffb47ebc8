package dev.marketplace.server.channels;

import dev.marketplace.server.orders.OrderAttribution;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Sales channels (decision 41): attribution of orders at checkout ({@link #attribution}, which the orders module
 * takes, so this module comes before it), the revenue share as a subscriber of escrow releases and refunds
 * ({@value RevenueShare#SUBSCRIBER}) posted to the ledger as the channels' own money movements, statements,
 * deposits and scorecards under {@link ChannelHttpService#PATH}. Reads {@code channels.*}.
 */
public final class ChannelsModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String REVENUE_SHARE = RevenueShare.SUBSCRIBER;

    private final ChannelService channels;
    private final RevenueShare revenueShare;
    private final ChannelHttpService http;

    public ChannelsModule(Config config, DSLContext dsl, Clock clock) {
        ZoneId zone = ZoneId.of(config.get("period-zone").asString().get());
        ChannelRepository repository = new ChannelRepository();
        this.channels = new ChannelService(dsl, repository, clock);
        this.revenueShare = new RevenueShare(repository, zone, clock);
        this.http = new ChannelHttpService(channels, new ChannelStatements(dsl, repository, zone, clock),
                new Scorecards(dsl, repository, Scorecards.Settings.from(config.get("scorecard")), zone));
    }

    @Override
    public String name() {
        return "channels";
    }

    /** Checkout's attribution of each order (in its transaction). */
    public OrderAttribution attribution() {
        return channels;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ChannelHttpService.PATH, http);
    }

    @Override
    public List<Subscriber> subscribers() {
        return List.of(revenueShare.subscriber());
    }
}
