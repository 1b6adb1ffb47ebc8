package dev.marketplace.server.platform.events;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.DOMAIN_EVENT_FEED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.migrations.Migrations;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.testing.TestDatabases;
import jakarta.json.Json;
import java.io.StringReader;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.jooq.CloseableDSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/** V18 moves money_event's history into domain_event, in order, with the legs MoneyMovement gives new events. */
class MoneyEventHistoryMigrationIT {

    @Test
    void moneyEventsBecomeDomainEventsWithTheirLegsInTheirOrder() {
        String url = TestDatabases.newEmptyDatabase();
        migrate(url, "17");
        UUID order = UUID.randomUUID();
        UUID subOrder = UUID.randomUUID();
        UUID merchant = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        UUID payment = UUID.randomUUID();
        UUID refund = UUID.randomUUID();
        Parties ofOrder = Parties.ofOrder(order, customer);
        Parties ofSubOrder = new Parties(order, subOrder, merchant, customer);
        List<MoneyMovement> history = List.of(
                MoneyMovement.paymentAuthorized(payment, ofOrder, Money.of(11_000, "JPY")),
                MoneyMovement.paymentCaptured(payment, ofOrder, Money.of(11_000, "JPY")),
                MoneyMovement.commissionAccrued(ofSubOrder, Money.of(1_000, "JPY")),
                MoneyMovement.escrowReleased(ofSubOrder, Money.of(11_000, "JPY")),
                MoneyMovement.commissionReversed("return:r1", ofSubOrder, Money.of(200, "JPY")),
                MoneyMovement.paymentRefunded(refund, ofSubOrder, Money.of(2_200, "JPY")));
        try (CloseableDSLContext db = DSL.using(url)) {
            for (MoneyMovement movement : history) {
                Parties parties = movement.parties();
                db.execute("""
                        INSERT INTO money_event (id, idempotency_id, type, order_id, sub_order_id, merchant_id, customer_id,
                                                 amount, currency)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", UUID.randomUUID(), movement.idempotencyId(),
                        movement.type().wireName(), parties.orderId(), parties.subOrderId(), parties.merchantId(),
                        parties.customerId(), movement.amount().amount(), movement.amount().currency());
            }
        }

        migrate(url, "latest");

        try (CloseableDSLContext db = DSL.using(url)) {
            List<DomainEvent> migrated = db.selectFrom(DOMAIN_EVENT).orderBy(DOMAIN_EVENT.POSITION).fetch(row -> {
                assertThat(row.getPosition()).isNotNull();
                return DomainEvent.of(EventType.fromWireName(row.getType()), row.getIdempotencyId(),
                        new Parties(row.getOrderId(), row.getSubOrderId(), row.getMerchantId(), row.getCustomerId()),
                        Json.createReader(new StringReader(row.getPayload().data())).readObject());
            });
            assertThat(migrated).containsExactlyElementsOf(history);
            assertThat(db.fetchValue(DOMAIN_EVENT_FEED.SETTLED_THROUGH)).isEqualTo((long) history.size());
            assertThat(db.fetchValue("SELECT to_regclass('money_event')")).isNull();
        }
    }

    private static void migrate(String url, String target) {
        Flyway.configure().dataSource(url, "postgres", "").locations(Migrations.LOCATION).target(target).load().migrate();
    }
}
