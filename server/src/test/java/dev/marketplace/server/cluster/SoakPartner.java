package dev.marketplace.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.ExchangeDirection;
import dev.marketplace.sdk.model.ExchangeTermsCreate;
import dev.marketplace.sdk.model.InboundExchangeCreate;
import dev.marketplace.sdk.model.Lease;
import dev.marketplace.sdk.model.LeaseCommit;
import dev.marketplace.sdk.model.LeaseCreate;
import dev.marketplace.sdk.model.LeaseLineInput;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.OutboundExchangeCreate;
import dev.marketplace.sdk.model.PartnerCreate;
import dev.marketplace.sdk.model.PartnerLinkCreate;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.PointsAdjustmentCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.server.cluster.ClusterShop.Item;
import dev.marketplace.server.cluster.ClusterShop.Seller;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.ClusterNodes;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TokenForge;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jooq.DSLContext;

/**
 * The partner side of the soak (decision 80): one points partner whose API is the soak's WireMock
 * ({@link ProviderRecords} keeps its books), members linked to customers, and an inventory share of the soak's
 * merchant. Its users: the partner crediting its members' points in ({@code Idempotency-Key} per transfer, sent again
 * on another node until answered), members exchanging points out to the partner, and the partner holding stock in
 * leases that are committed into partner orders, released, or left to lapse. {@link #assertInvariants} checks
 * afterwards what must hold whatever node died or whichever connection was cut.
 */
final class SoakPartner {

    private static final int MEMBERS = 6;
    private static final long MEMBER_POINTS = 10_000_000; // the most one adjustment gives
    /** Inbound: 2 partner points are 1 of ours, in steps of 200; outbound 1 for 1, in steps of 100. */
    private static final long CREDIT_PARTNER_POINTS = 200;
    private static final long EXCHANGE_OUT_POINTS = 100;
    /** How often a transfer is sent before the partner gives up on an answer. */
    private static final int TRANSFER_TRIES = 6;
    private static final Duration RESEND_AFTER = Duration.ofMillis(250);
    private static final long LEASE_STOCK = 100_000;
    private static final int LEASE_SKUS = 2;
    private static final ShippingAddress SHOPPER = new ShippingAddress().name("Sato Yui").country("JP")
            .postalCode("150-0001").region("Tokyo").locality("Shibuya-ku").line1("1-2-3 Jingumae")
            .phone("+81 3-1234-5678");

    private record Member(UUID customerId, String memberId) {
    }

    private final ClusterNodes cluster;
    private final DSLContext db;
    private final UUID partnerId;
    private final String clientId;
    private final MarketplaceClient partner;
    private final List<Member> members = new ArrayList<>();
    private final List<Item> leaseItems = new ArrayList<>();
    /** Transfers (Idempotency-Key → partner points) the marketplace answered 2xx, and those it never answered. */
    private final Map<String, Long> transfersAnswered = new ConcurrentHashMap<>();
    private final Set<String> transfersUnanswered = ConcurrentHashMap.newKeySet();
    private final AtomicLong transfers = new AtomicLong();

    private SoakPartner(ClusterNodes cluster, DSLContext db, UUID partnerId, String clientId, MarketplaceClient partner) {
        this.cluster = cluster;
        this.db = db;
        this.partnerId = partnerId;
        this.clientId = clientId;
        this.partner = partner;
    }

    /** Registers the partner with its API at {@code partnerApi}, its terms, members with points and a share. */
    static SoakPartner register(ClusterNodes cluster, ClusterShop shop, DSLContext db, Seller seller, String partnerApi)
            throws Exception {
        MarketplaceClient operator = shop.operator();
        UUID id = UUID.randomUUID();
        operator.partners().registerPartner(new PartnerCreate().partnerId(id).name("Soak points partner")
                .apiBaseUrl(partnerApi).authType(PartnerCreate.AuthTypeEnum.API_KEY).secret("partner-api-key")
                .webhookSecret(TestPartners.WEBHOOK_SECRET));
        OffsetDateTime effective = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(1);
        for (ExchangeDirection direction : List.of(ExchangeDirection.INBOUND, ExchangeDirection.OUTBOUND)) {
            boolean inbound = direction == ExchangeDirection.INBOUND;
            operator.partners().setExchangeTerms(id, new ExchangeTermsCreate().direction(direction).effectiveFrom(effective)
                    .rateNumerator(1L).rateDenominator(inbound ? 2L : 1L).minimum(inbound ? CREDIT_PARTNER_POINTS : EXCHANGE_OUT_POINTS)
                    .step(inbound ? CREDIT_PARTNER_POINTS : EXCHANGE_OUT_POINTS).customerDailyCap(1_000_000_000L)
                    .customerMonthlyCap(1_000_000_000L).globalDailyCap(1_000_000_000L)
                    .settlementPrice(new Money().amount(1L).currency("JPY")));
        }
        ClientCredentials credentials = operator.clients().createClient(new ClientCreate().name("Soak partner")
                .principalType(PrincipalType.PARTNER).principalId(id)
                .scopes(List.of(Scope.POINTS_EXCHANGE, Scope.POINTS_READ, Scope.PARTNERS_READ,
                        Scope.PARTNER_INVENTORY_READ, Scope.LEASES_WRITE))
                .redirectUris(List.of("https://partner.example/cb")));
        String clientId = credentials.getClient().getClientId();
        SoakPartner soak = new SoakPartner(cluster, db, id, clientId,
                cluster.withCredentials(clientId, credentials.getClientSecret()));
        for (int i = 0; i < MEMBERS; i++) {
            Member member = new Member(UUID.randomUUID(), "SOAK-M-" + i);
            soak.asMember(member).partners().linkPartnerMember(new PartnerLinkCreate().partnerId(id)
                    .memberId(member.memberId()));
            operator.points().adjustPoints(new PointsAdjustmentCreate().customerId(member.customerId())
                    .points(MEMBER_POINTS).reason("soak"));
            soak.members.add(member);
        }
        for (int i = 0; i < LEASE_SKUS; i++) {
            soak.leaseItems.add(shop.item(seller, "SOAK-LEASE-" + i, 700, LEASE_STOCK));
        }
        seller.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(id));
        operator.partnerInventory().createAssortmentShare(new AssortmentShareCreate().partnerId(id)
                .merchantId(seller.id()));
        Await.until(Duration.ofSeconds(10), "the exchange terms in effect",
                () -> OffsetDateTime.now(ZoneOffset.UTC).isAfter(effective));
        return soak;
    }

    UUID id() {
        return partnerId;
    }

    /** The items leases hold (their stock follows the same rule as the shoppers' items). */
    List<Item> leaseItems() {
        return List.copyOf(leaseItems);
    }

    /** The partner credits a member's points: one transfer, sent again (round robin: another node) until answered. */
    void creditIn(ClusterSoakIT.Load load, Random random) {
        String key = "soak-transfer-" + transfers.incrementAndGet();
        Member member = members.get(random.nextInt(MEMBERS));
        RequestOptions once = RequestOptions.builder().idempotencyKey(key).build();
        for (int attempt = 0; attempt < TRANSFER_TRIES; attempt++) {
            String outcome = load.outcome("exchange in", () -> partner.partners().exchangePointsIn(
                    new InboundExchangeCreate().memberId(member.memberId()).partnerPoints(CREDIT_PARTNER_POINTS), once));
            if (outcome.equals("ok")) {
                transfersAnswered.put(key, CREDIT_PARTNER_POINTS);
                return;
            }
            ClusterSoakIT.pause(RESEND_AFTER); // a partner's client backs off before sending the transfer again
        }
        transfersUnanswered.add(key);
    }

    /** A member exchanges points out to the partner (the partner's API is called within the request). */
    void exchangeOut(ClusterSoakIT.Load load, Random random) {
        Member member = members.get(random.nextInt(MEMBERS));
        load.outcome("exchange out", () -> asMember(member).partners().exchangePointsOut(
                new OutboundExchangeCreate().partnerId(partnerId).points(EXCHANGE_OUT_POINTS)));
    }

    /** The partner holds a unit in a lease and, by turns, commits it into an order, releases it or lets it lapse. */
    void lease(ClusterSoakIT.Load load, Random random) {
        Item item = leaseItems.get(random.nextInt(LEASE_SKUS));
        int fate = random.nextInt(3);
        String basket = UUID.randomUUID().toString();
        Lease[] lease = new Lease[1];
        boolean held = sentUntilAnswered(load, "lease create", () -> lease[0] = partner.partnerInventory().createLease(
                new LeaseCreate().holdSeconds(fate == 2 ? 1 : 600).lines(List.of(new LeaseLineInput()
                        .variantId(item.variantId()).quantity(1L + random.nextInt(2)))),
                RequestOptions.builder().idempotencyKey("lease-" + basket).build()));
        if (!held || fate == 2) {
            return; // the lapse job ends it
        }
        if (fate == 0) {
            sentUntilAnswered(load, "lease commit", () -> partner.partnerInventory().commitLease(lease[0].getId(),
                    new LeaseCommit().shippingAddress(SHOPPER),
                    RequestOptions.builder().idempotencyKey("commit-" + basket).build()));
        } else {
            sentUntilAnswered(load, "lease release", () -> partner.partnerInventory().releaseLease(lease[0].getId()));
        }
    }

    /** Sends under one key until answered 2xx (or the tries run out); whether it was. */
    private static boolean sentUntilAnswered(ClusterSoakIT.Load load, String kind, ClusterSoakIT.Request request) {
        for (int attempt = 0; attempt < TRANSFER_TRIES; attempt++) {
            if (load.call(kind, request)) {
                return true;
            }
            ClusterSoakIT.pause(RESEND_AFTER);
        }
        return false;
    }

    /** A member's own token, through the partner's client (the link and outbound exchanges act for the customer). */
    private MarketplaceClient asMember(Member member) {
        ECKey key = TokenForge.activeKey(db);
        return cluster.withToken(TokenForge.sign(key, TokenForge.header(key).build(), TokenForge.customerClaims(clientId,
                        partnerId, member.customerId(), "points:exchange", "points:read")
                .claim("client_principal", "partner:" + partnerId).build()));
    }

    /** Work the recovery jobs still have: pending exchanges, active leases. */
    long pending() {
        return count("SELECT count(*) FROM partner_exchange WHERE state = 'pending'")
                + count("SELECT count(*) FROM partner_lease WHERE status = 'active'");
    }

    /**
     * The partner's invariants: every transfer answered is one completed inbound exchange, no transfer twice; every
     * outbound exchange has one outcome and the partner's books hold exactly the completed ones; points balances are
     * the sums of the lots and no points are left held; every lease ended, each committed one with its one paid
     * order. (The lease items' stock, the ledger and the orders are checked with the shoppers'.)
     */
    void assertInvariants(ProviderRecords books) {
        Map<String, Long> inbound = db.fetch("""
                        SELECT reference, partner_points FROM partner_exchange WHERE partner_id = ? AND direction = 'inbound'
                           AND state = 'completed'""", partnerId)
                .intoMap(r -> r.get(0, String.class), r -> r.get(1, Long.class));
        assertThat(inbound).as("the answered transfers are completed inbound exchanges").containsAllEntriesOf(transfersAnswered);
        assertThat(inbound.keySet()).as("no inbound exchange but the partner's transfers")
                .isSubsetOf(union(transfersAnswered.keySet(), transfersUnanswered));
        assertThat(count("SELECT count(*) FROM partner_exchange WHERE partner_id = ? AND state NOT IN ('completed', 'failed')",
                partnerId)).as("exchanges without one final outcome").isZero();
        Map<String, Long> outbound = db.fetch("""
                        SELECT reference, partner_points FROM partner_exchange WHERE partner_id = ? AND direction = 'outbound'
                           AND state = 'completed'""", partnerId)
                .intoMap(r -> r.get(0, String.class), r -> r.get(1, Long.class));
        assertThat(books.partnerCredits()).as("the partner's credits are the completed outbound exchanges")
                .isEqualTo(outbound);
        assertThat(count("""
                SELECT count(*) FROM points_exchange_hold WHERE state = 'held'
                    OR (state <> 'posted' AND hold_id IN (SELECT id FROM partner_exchange WHERE state = 'completed'
                                                           AND direction = 'outbound'))""")).as("points left held").isZero();
        assertThat(count("""
                SELECT count(*) FROM (SELECT customer_id, bucket FROM points_entry GROUP BY customer_id, bucket
                                       HAVING sum(points) < 0
                                      UNION ALL
                                      SELECT e.customer_id, e.bucket FROM
                                          (SELECT customer_id, bucket, sum(points) AS points FROM points_entry
                                            GROUP BY customer_id, bucket) e
                                          FULL JOIN (SELECT customer_id, state AS bucket, sum(remaining) AS points
                                                       FROM points_lot WHERE state IN ('pending', 'available')
                                                      GROUP BY customer_id, state) l USING (customer_id, bucket)
                                       WHERE COALESCE(e.points, 0) <> COALESCE(l.points, 0)) wrong"""))
                .as("points balances below zero or not the sum of their lots").isZero();
        assertThat(count("""
                SELECT count(*) FROM partner_lease l JOIN stock_reservation r ON r.id = l.reservation_id
                 WHERE l.partner_id = ? AND (l.status = 'active' OR r.status = 'active'
                        OR (l.status = 'committed') <> (r.status = 'committed')
                        OR (l.status = 'committed') <> EXISTS (SELECT 1 FROM customer_order o WHERE o.id = l.order_id
                                                                  AND o.status = 'paid' AND o.stock_committed))""",
                partnerId))
                .as("leases not ended, or whose reservation and order disagree with them").isZero();
    }

    /** Lines for the soak's report. */
    String report(ProviderRecords books) {
        return "partner: %d transfers answered, %d never answered; the partner's books: %d credits%n%s%n%s%n".formatted(
                transfersAnswered.size(), transfersUnanswered.size(), books.partnerCredits().size(),
                db.fetch("SELECT direction, state, count(*) FROM partner_exchange GROUP BY 1, 2 ORDER BY 1, 2").format(),
                db.fetch("SELECT status, count(*), sum(units) FROM partner_lease GROUP BY 1 ORDER BY 1").format());
    }

    private long count(String sql, Object... bindings) {
        return ((Number) db.fetchValue(sql, bindings)).longValue();
    }

    private static Set<String> union(Set<String> one, Set<String> other) {
        return Stream.concat(one.stream(), other.stream()).collect(Collectors.toSet());
    }
}
