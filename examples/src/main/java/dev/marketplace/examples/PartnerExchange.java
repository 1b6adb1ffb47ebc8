package dev.marketplace.examples;

import dev.marketplace.sdk.CursorStore;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.model.Exchange;
import dev.marketplace.sdk.model.ExchangeDay;
import dev.marketplace.sdk.model.InboundExchangeCreate;
import dev.marketplace.sdk.model.Lease;
import dev.marketplace.sdk.model.LeaseCommit;
import dev.marketplace.sdk.model.LeaseCreate;
import dev.marketplace.sdk.model.LeaseLineInput;
import dev.marketplace.sdk.model.SharedListingChange;
import dev.marketplace.sdk.model.ShippingAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A partner platform's side of the exchange, with the partner's own client credentials (principal {@code partner}):
 * <ol>
 *     <li>{@link #creditMember}: points a member earned in the partner's programme come in as marketplace points,
 *     keyed by the partner's own transfer id, so a retry after a lost answer credits nothing twice;</li>
 *     <li>{@link #exchangeDay}: the day's exchanges as the marketplace recorded them, to reconcile with the partner's
 *     own books;</li>
 *     <li>{@link #pullSharedListings}: the listings shared with the partner, at its prices and with what it can hold
 *     now, read as a change feed from a stored cursor ({@code client.feeds().sharedListings()});</li>
 *     <li>{@link #sell}: a shopper's basket held in a lease (all or nothing) and committed into a partner order that
 *     the merchants fulfil, paid on the partner's account; the lease is released if the order cannot be placed.</li>
 * </ol>
 * Usage: {@code PartnerExchange baseUri partnerClientId partnerSecret memberId [cursorFile]}: credits 100 of the
 * member's partner points, prints the day's file, then follows the shared listings until stopped (Ctrl-C).
 */
public final class PartnerExchange {

    private final MarketplaceClient partner;
    private final CursorStore listingsCursor;

    public PartnerExchange(MarketplaceClient partner, CursorStore listingsCursor) {
        this.partner = partner;
        this.listingsCursor = listingsCursor;
    }

    /** Credits the member's partner points at the terms in force; the transfer id is the exchange's reference. */
    public Exchange creditMember(String transferId, String memberId, long partnerPoints) {
        return partner.partners().exchangePointsIn(new InboundExchangeCreate().memberId(memberId).partnerPoints(partnerPoints),
                RequestOptions.builder().idempotencyKey(transferId).build());
    }

    /** Every exchange with this partner created on the UTC day, as the marketplace's reconciliation file. */
    public ExchangeDay exchangeDay(UUID partnerId, LocalDate day) {
        return partner.partners().getExchangeDay(partnerId, day);
    }

    /**
     * Reads the shared listings' changes after the stored cursor until caught up, saving the cursor after each page
     * is handled; returns the latest change of each variant read. A long-running partner would
     * {@code follow} the same feed on a thread of its own instead.
     */
    public Map<UUID, SharedListingChange> pullSharedListings() throws Exception {
        Map<UUID, SharedListingChange> latest = new LinkedHashMap<>();
        partner.feeds().sharedListings().drain(listingsCursor,
                changes -> changes.forEach(change -> latest.put(change.getVariantId(), change)));
        return latest;
    }

    /**
     * Holds the basket ({@code quantities} by variant) for ten minutes and commits it into an order shipped to the
     * shopper. The basket's idempotency keys derive from its id, so sending it again after a lost answer takes no
     * second lease and places no second order.
     */
    public Lease sell(String basketId, Map<UUID, Long> quantities, ShippingAddress shopper) {
        Lease lease = partner.partnerInventory().createLease(new LeaseCreate().holdSeconds(600).lines(quantities.entrySet().stream()
                        .map(line -> new LeaseLineInput().variantId(line.getKey()).quantity(line.getValue())).toList()),
                RequestOptions.builder().idempotencyKey("lease-" + basketId).build());
        try {
            return partner.partnerInventory().commitLease(lease.getId(), new LeaseCommit().shippingAddress(shopper),
                    RequestOptions.builder().idempotencyKey("commit-" + basketId).build());
        } catch (RuntimeException orderRefused) {
            partner.partnerInventory().releaseLease(lease.getId());
            throw orderRefused;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: PartnerExchange baseUri partnerClientId partnerSecret memberId [cursorFile]");
            System.exit(2);
        }
        MarketplaceClient partner = MarketplaceClient.builder().baseUri(URI.create(args[0]))
                .clientCredentials(args[1], args[2]).build();
        PartnerExchange exchange = new PartnerExchange(partner,
                CursorStore.file(Path.of(args.length > 4 ? args[4] : "shared-listings.cursor")));
        Exchange credit = exchange.creditMember("transfer-" + UUID.randomUUID(), args[3], 100);
        System.out.println("credited " + credit.getPoints() + " points: " + credit.getState());
        System.out.println("today: " + exchange.exchangeDay(credit.getPartnerId(), LocalDate.now(ZoneOffset.UTC))
                .getItems().size() + " exchanges");
        while (true) { // a partner runs this from its scheduler
            List<SharedListingChange> changes = List.copyOf(exchange.pullSharedListings().values());
            changes.forEach(change -> System.out.println(change.getVariantId() + " " + change.getPrice().getAmount()
                    + " " + change.getPrice().getCurrency() + ", " + change.getAvailable() + " available"));
            Thread.sleep(5_000);
        }
    }
}
