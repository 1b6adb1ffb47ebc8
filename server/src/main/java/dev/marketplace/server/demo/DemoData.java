package dev.marketplace.server.demo;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.demo.Vocabulary.Department;
import dev.marketplace.server.demo.Vocabulary.Place;
import dev.marketplace.server.demo.Vocabulary.Term;
import dev.marketplace.server.demo.Vocabulary.Warehouse;
import dev.marketplace.server.platform.security.Passwords;
import jakarta.json.JsonObjectBuilder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Fills an empty marketplace with a realistic one for demos and benchmarks: active merchants with plans, contacts
 * and addresses, a three-level category tree, published products with Japanese, Chinese and English titles, their
 * variants (SKUs) with JPY prices, stock at one or two warehouses per merchant, and registered customers (their
 * orders, points and coupons come afterwards through the API: {@link DemoActivity}).
 *
 * <p>Rows are written straight into the schema with {@code COPY} in one transaction (all or nothing), keeping the
 * invariants the domain services keep (a published product has {@code published_at} and its lowest variant price
 * on the row, categories carry their ancestor path, merchants their status history, stock nothing reserved), so
 * the API reads them exactly like data it wrote itself. Everything, ids included, comes from one seeded
 * {@link Random}: the same seed and size give the same marketplace, so benchmark runs are comparable (only the
 * timestamps move with the day of generation).
 */
public final class DemoData {

    /** How much to generate. */
    public record Size(int merchants, int products, int skusPerProduct, int customers) {

        /** 1,000 merchants, 100,000 products, 300,000 SKUs, 200 customers. */
        public static final Size DEFAULT = new Size(1_000, 100_000, 3, 200);

        public Size {
            if (merchants < 1 || products < 0 || skusPerProduct < 1 || skusPerProduct > 100 || customers < 0) {
                throw new IllegalArgumentException("demo data needs at least one merchant, 1 to 100 SKUs per product "
                        + "and no negative number of customers: " + merchants + " merchants, " + products
                        + " products, " + skusPerProduct + " SKUs, " + customers + " customers");
            }
        }

        /** A catalog without customers. */
        public Size(int merchants, int products, int skusPerProduct) {
            this(merchants, products, skusPerProduct, 0);
        }
    }

    /** What was generated and how long it took. */
    public record Summary(int categories, int merchants, int products, int variants, int locations, long stockLevels,
                          int customers, Duration elapsed) {

        Summary took(Duration time) {
            return new Summary(categories, merchants, products, variants, locations, stockLevels, customers, time);
        }

        @Override
        public String toString() {
            return String.format("%,d categories, %,d merchants, %,d products, %,d SKUs, %,d locations, "
                            + "%,d stock levels, %,d customers in %.1f s", categories, merchants, products, variants,
                    locations, stockLevels, customers, elapsed.toMillis() / 1000.0);
        }
    }

    /** Who the status history names for the generated merchants' application and approval. */
    private static final String GENERATOR_CLIENT_ID = "demo-data";
    private static final String CURRENCY = "JPY";
    private static final String PLAN_CODE = "standard";
    private static final long PLAN_MONTHLY_FEE = 50_000;
    /** Every demo customer's password, so that a demo can sign in as any of them on the hosted page. */
    public static final String CUSTOMER_PASSWORD = "demo password 1234";
    /** The demo customers' addresses: {@code customer0001@example.jp} and so on. */
    static final String CUSTOMER_EMAIL_DOMAIN = "@example.jp";
    static final String CUSTOMER_EMAIL_PREFIX = "customer";

    private DemoData() {
    }

    /**
     * Generates {@code size} into the marketplace behind {@code dataSource}.
     *
     * @throws IllegalStateException if the marketplace already has merchants: demo data never mixes with others
     */
    public static Summary fill(DataSource dataSource, Size size, long seed) {
        return fillIfEmpty(dataSource, size, seed).orElseThrow(() -> new IllegalStateException(
                "demo data fills only an empty marketplace, and this one already has merchants"));
    }

    /**
     * Like {@link #fill}, but leaves a marketplace that already has merchants alone (empty result), so that a
     * server restarted with demo data on, or a second node, does not generate it again.
     */
    public static Optional<Summary> fillIfEmpty(DataSource dataSource, Size size, long seed) {
        long started = System.nanoTime();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            Summary summary;
            try {
                if (!lockedAndEmpty(connection)) {
                    connection.rollback();
                    return Optional.empty();
                }
                CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
                summary = new Generator(copy, size, new Random(seed), Instant.now().truncatedTo(ChronoUnit.SECONDS))
                        .run();
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
            analyze(connection);
            return Optional.of(summary.took(Duration.ofNanos(System.nanoTime() - started)));
        } catch (SQLException e) {
            throw new IllegalStateException("generating demo data failed: " + e.getMessage(), e);
        }
    }

    /** Locks merchants against concurrent inserts (another node generating too), then checks there are none. */
    private static boolean lockedAndEmpty(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE merchant IN SHARE ROW EXCLUSIVE MODE");
            try (ResultSet rows = statement.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM merchant)")) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    /** Fresh planner statistics, so the first queries on the new data are planned for its real size. */
    private static void analyze(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("ANALYZE catalog_category, merchant, merchant_status_change, product, product_variant, "
                    + "stock_location, stock_level, customer");
        } catch (SQLException e) {
            throw new IllegalStateException("analyzing demo data failed: " + e.getMessage(), e);
        }
    }

    /** One run: draws everything from {@code random} in a fixed order and streams it table by table. */
    private static final class Generator {

        private final CopyManager copy;
        private final Size size;
        private final Random random;
        private final Instant now;

        /** Second-level categories (kinds of product) with their department, and the leaves below each. */
        private final List<Term> kinds = new ArrayList<>();
        private final List<UUID> kindIds = new ArrayList<>();
        private final List<List<UUID>> shelfIdsByKind = new ArrayList<>();
        private final List<UUID> departmentIds = new ArrayList<>();

        private UUID[] merchantIds;
        private String[] merchantBrands;
        private UUID[][] locationIdsByMerchant;

        Generator(CopyManager copy, Size size, Random random, Instant now) {
            this.copy = copy;
            this.size = size;
            this.random = random;
            this.now = now;
        }

        /** Generates everything; the time taken is the caller's to set, since it also commits and analyzes. */
        Summary run() throws SQLException {
            int categories = categories();
            merchants();
            int locations = locations();
            ProductRows products = products();
            long stockLevels = variantsAndStock(products);
            // Last, so that the catalog's ids stay those of the same seed without customers.
            customers();
            return new Summary(categories, size.merchants(), size.products(),
                    size.products() * size.skusPerProduct(), locations, stockLevels, size.customers(), Duration.ZERO);
        }

        private int categories() throws SQLException {
            CopyRows rows = CopyRows.into(copy, "catalog_category",
                    "id", "parent_id", "ancestor_ids", "name", "commission_rate_bps", "version", "created_at", "updated_at");
            int count = 0;
            for (Department department : Vocabulary.DEPARTMENTS) {
                UUID departmentId = nextUuid();
                departmentIds.add(departmentId);
                category(rows, departmentId, null, List.of(), department.ja() + " / " + department.en());
                count++;
                for (Term kind : department.kinds()) {
                    UUID kindId = nextUuid();
                    category(rows, kindId, departmentId, List.of(departmentId), kind.ja() + " / " + capitalized(kind.en()));
                    kinds.add(kind);
                    kindIds.add(kindId);
                    List<UUID> shelves = new ArrayList<>();
                    for (Term shelf : Vocabulary.SHELVES) {
                        UUID shelfId = nextUuid();
                        category(rows, shelfId, kindId, List.of(departmentId, kindId), shelf.ja() + " / " + shelf.en());
                        shelves.add(shelfId);
                    }
                    shelfIdsByKind.add(shelves);
                    count += 1 + shelves.size();
                }
            }
            rows.finish();
            return count;
        }

        private void category(CopyRows rows, UUID id, UUID parentId, List<UUID> ancestorIds, String name)
                throws SQLException {
            rows.uuid(id);
            if (parentId == null) {
                rows.nullValue();
            } else {
                rows.uuid(parentId);
            }
            // Commission 8 to 15 %, in steps of 0.5 %.
            rows.array(ancestorIds).text(name).number(800 + 50L * random.nextInt(15)).number(1)
                    .text(now.toString()).text(now.toString());
            rows.endRow();
        }

        // Contact phones and addresses go in plain, like rows from before V16; the server's start-up job seals them.
        private void merchants() throws SQLException {
            merchantIds = new UUID[size.merchants()];
            merchantBrands = new String[size.merchants()];
            CopyRows merchants = CopyRows.into(copy, "merchant", "id", "legal_name", "contact_name", "contact_email",
                    "contact_phone", "address_country", "address_postal_code", "address_region", "address_locality",
                    "address_line1", "years_in_business", "category_id", "plan_code", "plan_monthly_fee_amount",
                    "plan_monthly_fee_currency", "deposit_amount", "deposit_currency", "status", "version",
                    "created_at", "updated_at");
            Instant[] appliedAt = new Instant[size.merchants()];
            for (int m = 0; m < size.merchants(); m++) {
                UUID id = nextUuid();
                merchantIds[m] = id;
                Place place = pick(Vocabulary.PLACES);
                Term shop = pick(Vocabulary.SHOP_WORDS);
                String number = String.format("%04d", m + 1);
                merchantBrands[m] = place.name().en() + " " + shop.en();
                // Applied over the two years before the products, approved the next day.
                appliedAt[m] = now.minus(Duration.ofDays(730)).plus(Duration.ofDays(365).multipliedBy(m)
                        .dividedBy(size.merchants()));
                merchants.uuid(id)
                        .text("株式会社" + place.name().ja() + shop.ja() + " (" + merchantBrands[m] + " KK " + number + ")")
                        .text(pick(Vocabulary.GIVEN_NAMES) + " " + pick(Vocabulary.SURNAMES))
                        .text("shop" + number + "@example.jp")
                        .text(String.format("+81 %d-%04d-%04d", 3 + random.nextInt(97), random.nextInt(10_000),
                                random.nextInt(10_000)))
                        .text("JP")
                        .text(place.postalPrefix() + "-" + String.format("%04d", random.nextInt(10_000)))
                        .text(place.name().en())
                        .text(place.locality())
                        .text((1 + random.nextInt(9)) + "-" + (1 + random.nextInt(30)) + "-" + (1 + random.nextInt(20)))
                        .number(3 + random.nextInt(78))
                        .uuid(departmentIds.get(random.nextInt(departmentIds.size())))
                        .text(PLAN_CODE).number(PLAN_MONTHLY_FEE).text(CURRENCY)
                        .number(500_000 + 100_000L * random.nextInt(26)).text(CURRENCY)
                        .text("active").number(1)
                        .text(appliedAt[m].toString()).text(appliedAt[m].plus(Duration.ofDays(1)).toString());
                merchants.endRow();
            }
            merchants.finish();

            CopyRows history = CopyRows.into(copy, "merchant_status_change", "merchant_id", "from_status", "to_status",
                    "changed_by_client_id", "changed_by_principal_type", "changed_at");
            for (int m = 0; m < size.merchants(); m++) {
                history.uuid(merchantIds[m]).nullValue().text("pending").text(GENERATOR_CLIENT_ID).text("operator")
                        .text(appliedAt[m].toString());
                history.endRow();
                history.uuid(merchantIds[m]).text("pending").text("active").text(GENERATOR_CLIENT_ID).text("operator")
                        .text(appliedAt[m].plus(Duration.ofDays(1)).toString());
                history.endRow();
            }
            history.finish();
        }

        /** One or two warehouses per merchant. */
        private int locations() throws SQLException {
            locationIdsByMerchant = new UUID[size.merchants()][];
            CopyRows rows = CopyRows.into(copy, "stock_location", "id", "merchant_id", "code", "name", "created_at");
            int count = 0;
            for (int m = 0; m < size.merchants(); m++) {
                int first = random.nextInt(Vocabulary.WAREHOUSES.size());
                int howMany = 1 + random.nextInt(2);
                locationIdsByMerchant[m] = new UUID[howMany];
                for (int l = 0; l < howMany; l++) {
                    Warehouse warehouse = Vocabulary.WAREHOUSES.get((first + l) % Vocabulary.WAREHOUSES.size());
                    UUID id = nextUuid();
                    locationIdsByMerchant[m][l] = id;
                    rows.uuid(id).uuid(merchantIds[m]).text(warehouse.code()).text(warehouse.name()).text(now.toString());
                    rows.endRow();
                    count++;
                }
            }
            rows.finish();
            return count;
        }

        /** What the variants of each product need to know about it. */
        private record ProductRows(UUID[] ids, int[] merchants, int[] numberWithinMerchant, long[] basePrices) {
        }

        private ProductRows products() throws SQLException {
            int count = size.products();
            ProductRows products = new ProductRows(new UUID[count], new int[count], new int[count], new long[count]);
            int[] productsPerMerchant = new int[size.merchants()];
            CopyRows rows = CopyRows.into(copy, "product", "id", "merchant_id", "category_id", "title", "description",
                    "attributes", "image_urls", "currency", "min_price_amount", "status", "published_at", "version",
                    "created_at", "updated_at");
            for (int p = 0; p < count; p++) {
                UUID id = nextUuid();
                int merchant = random.nextInt(size.merchants());
                int kind = random.nextInt(kinds.size());
                List<UUID> shelves = shelfIdsByKind.get(kind);
                UUID categoryId = shelves.get(random.nextInt(shelves.size()));
                Term qualifier = pick(Vocabulary.QUALIFIERS);
                Term pack = pick(Vocabulary.PACKS);
                Place origin = pick(Vocabulary.PLACES);
                Term kindName = kinds.get(kind);
                // JPY 100 to about 30,000, most products at the cheap end, in 10-yen steps.
                long basePrice = Math.round(100 * Math.pow(300, random.nextDouble()) / 10) * 10;
                Instant createdAt = now.minusSeconds(random.nextLong(Duration.ofDays(365).toSeconds()));
                Instant publishedAt = createdAt.plusSeconds(random.nextLong(Duration.ofDays(2).toSeconds()));
                if (publishedAt.isAfter(now)) {
                    publishedAt = now;
                }
                products.ids()[p] = id;
                products.merchants()[p] = merchant;
                products.numberWithinMerchant()[p] = ++productsPerMerchant[merchant];
                products.basePrices()[p] = basePrice;

                String ja = qualifier.ja() + " " + kindName.ja() + " " + pack.ja();
                String zh = qualifier.zh() + kindName.zh() + pack.zh();
                String en = capitalized(qualifier.en() + " " + kindName.en() + ", " + pack.en());
                JsonObjectBuilder title = JSON.createObjectBuilder();
                JsonObjectBuilder description = JSON.createObjectBuilder();
                // Languages as sellers write them: most in Japanese, many bilingual, some Chinese or English only.
                int languages = random.nextInt(10);
                if (languages < 8) {
                    title.add("ja", ja);
                    description.add("ja", ja + "。" + origin.name().ja() + "産の素材を使い、ひとつひとつ丁寧に仕上げました。");
                }
                if (languages >= 4 && languages != 9) {
                    title.add("en", en);
                    description.add("en", en + ". Carefully made from ingredients and materials sourced in "
                            + origin.name().en() + ".");
                }
                if (languages >= 6) {
                    title.add("zh", zh);
                    description.add("zh", zh + "。精选" + origin.name().zh() + "原料，用心制作。");
                }
                String attributes = JSON.createObjectBuilder()
                        .add("brand", merchantBrands[merchant])
                        .add("origin", origin.name().en())
                        .add("weight", (50 * (1 + random.nextInt(40))) + " g")
                        .build().toString();
                rows.uuid(id).uuid(merchantIds[merchant]).uuid(categoryId)
                        .text(title.build().toString()).text(description.build().toString()).text(attributes)
                        .array(List.of("https://images.example.com/demo/" + id + ".jpg"))
                        .text(CURRENCY).number(basePrice).text("published").text(publishedAt.toString()).number(1)
                        .text(createdAt.toString()).text(publishedAt.toString());
                rows.endRow();
            }
            rows.finish();
            return products;
        }

        /**
         * The variants of every product (each dearer than the one before, so the first is the product's lowest
         * price), then stock for each of them at each of its merchant's warehouses.
         */
        private long variantsAndStock(ProductRows products) throws SQLException {
            int count = size.products() * size.skusPerProduct();
            UUID[] variantIds = new UUID[count];
            int[] variantMerchants = new int[count];
            CopyRows variants = CopyRows.into(copy, "product_variant", "id", "product_id", "merchant_id", "position",
                    "sku", "attributes", "price_amount", "price_currency", "compare_at_amount");
            int v = 0;
            for (int p = 0; p < size.products(); p++) {
                int merchant = products.merchants()[p];
                for (int position = 0; position < size.skusPerProduct(); position++) {
                    UUID id = nextUuid();
                    variantIds[v] = id;
                    variantMerchants[v] = merchant;
                    v++;
                    long price = products.basePrices()[p] + Math.round(products.basePrices()[p] * 0.25 * position / 10) * 10;
                    String sizeName = position < Vocabulary.SIZES.size() ? Vocabulary.SIZES.get(position) : "No. " + (position + 1);
                    variants.uuid(id).uuid(products.ids()[p]).uuid(merchantIds[merchant]).number(position)
                            .text(String.format("DEMO-%06d-%02d", products.numberWithinMerchant()[p], position + 1))
                            .text(JSON.createObjectBuilder().add("size", sizeName).build().toString())
                            .number(price).text(CURRENCY);
                    if (random.nextInt(5) == 0) {
                        variants.number(Math.round(price * 1.25 / 10) * 10 + 10);
                    } else {
                        variants.nullValue();
                    }
                    variants.endRow();
                }
            }
            variants.finish();

            CopyRows stock = CopyRows.into(copy, "stock_level", "variant_id", "location_id", "merchant_id", "on_hand",
                    "reserved", "low_stock_threshold", "updated_at");
            long levels = 0;
            for (int i = 0; i < count; i++) {
                for (UUID locationId : locationIdsByMerchant[variantMerchants[i]]) {
                    // One in ten sold out; a third watched by a low-stock threshold.
                    long onHand = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(500);
                    stock.uuid(variantIds[i]).uuid(locationId).uuid(merchantIds[variantMerchants[i]])
                            .number(onHand).number(0);
                    if (random.nextInt(3) == 0) {
                        stock.number(10);
                    } else {
                        stock.nullValue();
                    }
                    stock.text(now.toString());
                    stock.endRow();
                    levels++;
                }
            }
            stock.finish();
            return levels;
        }

        /**
         * Registered, verified, active customers with a name and no phone or address (each order carries its own).
         * One password hash for all: Argon2 takes tens of milliseconds per hash, and demo passwords are no secret.
         */
        private void customers() throws SQLException {
            if (size.customers() == 0) {
                return;
            }
            String passwordHash = Passwords.hash(CUSTOMER_PASSWORD);
            CopyRows rows = CopyRows.into(copy, "customer", "id", "status", "email", "email_verified_at",
                    "password_hash", "name", "created_at", "updated_at");
            for (int c = 0; c < size.customers(); c++) {
                Instant registeredAt = now.minusSeconds(random.nextLong(Duration.ofDays(365).toSeconds()));
                rows.uuid(nextUuid()).text("active")
                        .text(String.format("%s%04d%s", CUSTOMER_EMAIL_PREFIX, c + 1, CUSTOMER_EMAIL_DOMAIN))
                        .text(registeredAt.toString()).text(passwordHash)
                        .text(pick(Vocabulary.SURNAMES) + " " + pick(Vocabulary.GIVEN_NAMES))
                        .text(registeredAt.toString()).text(registeredAt.toString());
                rows.endRow();
            }
            rows.finish();
        }

        /** A random (version 4) UUID from the seeded generator, so ids are the same on every run. */
        private UUID nextUuid() {
            long most = (random.nextLong() & ~0xF000L) | 0x4000L;
            long least = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
            return new UUID(most, least);
        }

        private <T> T pick(List<T> values) {
            return values.get(random.nextInt(values.size()));
        }

        private static String capitalized(String text) {
            return Character.toUpperCase(text.charAt(0)) + text.substring(1);
        }
    }
}
