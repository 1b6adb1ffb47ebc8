package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.migrations.Migrations;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.jooq.CloseableDSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * An upgrade (issue 21): a database at the previous release's schema (V31, before the feed entries said what happened)
 * holding a merchant with its personal data still plain, a category, a published product with a variant, a location
 * and stock changed twice; the current server starts on it, migrates it and serves all of it through the API, old
 * feed entries included (valid against today's document, which says their new fields are absent).
 */
class UpgradeFromPreviousReleaseIT {

    private static final String PREVIOUS_RELEASE = "31";

    @Test
    void aDatabaseOfThePreviousReleaseIsMigratedAndServed() {
        String url = TestDatabases.newEmptyDatabase();
        Flyway.configure().dataSource(url, "postgres", "").locations(Migrations.LOCATION).target(PREVIOUS_RELEASE)
                .load().migrate();
        UUID category = UUID.randomUUID();
        UUID merchant = UUID.randomUUID();
        UUID product = UUID.randomUUID();
        UUID variant = UUID.randomUUID();
        UUID location = UUID.randomUUID();
        try (CloseableDSLContext db = DSL.using(url)) {
            db.execute("INSERT INTO catalog_category (id, name, commission_rate_bps) VALUES (?, 'Tea', 1000)", category);
            db.execute("""
                    INSERT INTO merchant (id, legal_name, contact_name, contact_email, contact_phone, address_country,
                                          address_postal_code, address_region, address_locality, address_line1,
                                          years_in_business, category_id, plan_code, plan_monthly_fee_amount,
                                          plan_monthly_fee_currency, deposit_amount, deposit_currency, status)
                    VALUES (?, 'Uji Tea Co.', 'Aiko Tanaka', 'aiko@uji-tea.example', '+81-774-00-0000', 'JP', '611-0021',
                            'Kyoto', 'Uji', '1 Uji-Renge', 5, ?, 'standard', 50000, 'JPY', 100000, 'JPY', 'active')""",
                    merchant, category);
            db.execute("""
                    INSERT INTO product (id, merchant_id, category_id, title, currency, min_price_amount, status, published_at)
                    VALUES (?, ?, ?, '{"en": "Sencha", "ja": "煎茶"}', 'JPY', 1200, 'published', now())""",
                    product, merchant, category);
            db.execute("""
                    INSERT INTO product_variant (id, product_id, merchant_id, position, sku, price_amount, price_currency)
                    VALUES (?, ?, ?, 0, 'SENCHA-100G', 1200, 'JPY')""", variant, product, merchant);
            db.execute("INSERT INTO stock_location (id, merchant_id, code, name) VALUES (?, ?, 'uji', 'Uji warehouse')",
                    location, merchant);
            db.execute("INSERT INTO stock_level (variant_id, location_id, merchant_id, on_hand) VALUES (?, ?, ?, 10)",
                    variant, location, merchant);
            db.execute("UPDATE stock_level SET on_hand = 7, reserved = 2 WHERE variant_id = ?", variant);
        }

        TestServer server = new TestServer().with("db.url", url);
        server.beforeAll(null);
        try {
            assertThat(server.db().fetchValue("SELECT max(version) FROM flyway_schema_history WHERE success", String.class))
                    .isNotEqualTo(PREVIOUS_RELEASE);

            JsonObject served = get(server, "/v1/merchants/" + merchant);
            assertThat(served.getString("legalName")).isEqualTo("Uji Tea Co.");
            assertThat(served.getString("status")).isEqualTo("active");

            assertThat(get(server, "/v1/categories/" + category).getString("name")).isEqualTo("Tea");
            JsonObject sencha = get(server, "/v1/products/" + product);
            assertThat(sencha.getJsonObject("title").getString("ja")).isEqualTo("煎茶");
            assertThat(sencha.getString("status")).isEqualTo("published");

            JsonObject level = get(server, "/v1/stock?variantId=" + variant).getJsonArray("items").getJsonObject(0);
            assertThat(level.getJsonNumber("onHand").longValue()).isEqualTo(7);
            assertThat(level.getJsonNumber("reserved").longValue()).isEqualTo(2);

            // The feed entries written at V31 have no reason: served without one, as the document says.
            assertThat(get(server, "/v1/stock/changes").getJsonArray("items").getValuesAs(JsonObject.class))
                    .hasSize(2)
                    .allSatisfy(change -> {
                        assertThat(change.getString("variantId")).isEqualTo(variant.toString());
                        assertThat(change.containsKey("reason")).isFalse();
                    });
        } finally {
            server.afterAll(null);
        }
    }

    private static JsonObject get(TestServer server, String path) {
        HttpResponse<String> response = server.send(server.request(path).GET().build());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return Json.createReader(new StringReader(response.body())).readObject();
    }
}
