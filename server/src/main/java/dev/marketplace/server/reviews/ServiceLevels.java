package dev.marketplace.server.reviews;

import static dev.marketplace.schema.Tables.SERVICE_LEVEL_STANDING;
import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.schema.tables.records.ServiceLevelStandingRecord;
import dev.marketplace.server.dropship.SupplierDataFreshness;
import dev.marketplace.server.merchants.Merchant;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.merchants.MerchantStatus;
import dev.marketplace.server.orders.FulfilmentTimes;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.reviews.ReviewsSettings.ServiceLevelSettings;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.JSONB;

/**
 * Merchant service levels (decision 40): per merchant and period, the share of negative reviews answered within
 * their deadline, of sub-orders accepted by their deadline and of accepted sub-orders shipped within the promise;
 * the evaluation job compares the last {@code window} with the thresholds, warns, and — when configured, after the
 * grace period — freezes the merchant through the merchant status flow ({@link MerchantService#freezeIfActive}).
 * The operator can freeze a warned merchant at any time with {@code POST /v1/merchants/{id}/freeze}.
 *
 * <p>Stock and price freshness ({@code data_freshness}) is measured for merchants with drop-ship supplier
 * connections, in minutes: of the minutes connected, those whose data was fresh ({@link SupplierDataFreshness}).
 * Data fed by an ERP is not measured: nothing records which merchants' data comes from one, nor the source's own
 * timestamps; the report says so rather than inventing a figure.
 */
final class ServiceLevels {

    static final String EVALUATION_JOB = "reviews.service-level-evaluation";
    static final String REPLIES = "negative_review_replies";
    static final String ACCEPTANCE = "acceptance";
    static final String SHIPPING = "shipping";
    static final String DATA_FRESHNESS = "data_freshness";
    private static final int MERCHANTS_PER_PAGE = 200;

    private final DSLContext dsl;
    private final ServiceLevelSettings settings;
    private final ReviewService reviews;
    private final OrderService orders;
    private final MerchantService merchants;
    private final SupplierDataFreshness supplierData;

    ServiceLevels(DSLContext dsl, ServiceLevelSettings settings, ReviewService reviews, OrderService orders,
                  MerchantService merchants, SupplierDataFreshness supplierData) {
        this.dsl = dsl;
        this.settings = settings;
        this.reviews = reviews;
        this.orders = orders;
        this.merchants = merchants;
        this.supplierData = supplierData;
    }

    /**
     * One measure: how many cases were due, how many kept the deadline, the share in basis points (null with no
     * case), the threshold, and whether it was missed (judged only from {@code minimumCases} cases on).
     */
    record Measure(String name, int due, int inTime, Integer shareBasisPoints, int thresholdBasisPoints, boolean missed) {
    }

    /** Where the merchant stands after the last evaluation, which judged [{@code periodFrom}, {@code periodTo}). */
    record Standing(String state, List<Measure> missed, OffsetDateTime warnedAt, OffsetDateTime frozenAt,
                    OffsetDateTime evaluatedAt, OffsetDateTime periodFrom, OffsetDateTime periodTo) {
        static final Standing NOT_EVALUATED = new Standing("good", List.of(), null, null, null, null, null);
    }

    record Report(UUID merchantId, OffsetDateTime from, OffsetDateTime to, List<Measure> measures, int overdueReplies,
                  Standing standing) {
    }

    /** The merchant's service levels over [{@code from}, {@code to}); another merchant's is not found. */
    Report report(Principal caller, UUID merchantId, OffsetDateTime from, OffsetDateTime to) {
        merchants.get(caller, merchantId);
        return measure(merchantId, from, to, standing(merchantId).orElse(Standing.NOT_EVALUATED));
    }

    private Report measure(UUID merchantId, OffsetDateTime from, OffsetDateTime to, Standing standing) {
        ReviewRepository.ReplyTimes replies = reviews.replyTimes(merchantId, from, to);
        FulfilmentTimes fulfilment = orders.fulfilmentTimes(merchantId, from, to, settings.shippingWithin(),
                reviews.now());
        List<Measure> measures = new ArrayList<>(List.of(
                measure(REPLIES, replies.due(), replies.answeredInTime(), settings.replyInTime()),
                measure(ACCEPTANCE, fulfilment.acceptanceDue(), fulfilment.acceptedInTime(), settings.acceptanceInTime()),
                measure(SHIPPING, fulfilment.shippingDue(), fulfilment.shippedInTime(), settings.shippingInTime())));
        SupplierDataFreshness.FreshMinutes data = supplierData.freshness(merchantId, from, to);
        if (data.connected() > 0) {
            measures.add(measure(DATA_FRESHNESS, (int) Math.min(Integer.MAX_VALUE, data.connected()),
                    (int) Math.min(Integer.MAX_VALUE, data.fresh()), settings.dataFreshInTime()));
        }
        return new Report(merchantId, from, to, measures, replies.overdue(), standing);
    }

    private Measure measure(String name, int due, int inTime, int threshold) {
        Integer share = due == 0 ? null : (int) (inTime * 10_000L / due);
        return new Measure(name, due, inTime, share, threshold,
                due >= settings.minimumCases() && share != null && share < threshold);
    }

    /**
     * The job {@value #EVALUATION_JOB}: every active merchant's last {@code window} against the thresholds. Each
     * merchant's standing row is locked while it is decided, so nodes running it at once warn and freeze once.
     * Returns how many merchants changed standing.
     */
    int evaluate() {
        int changed = 0;
        Principal system = Principal.system(EVALUATION_JOB);
        PageRequest page = PageRequest.first(MERCHANTS_PER_PAGE);
        while (true) {
            Page<Merchant> active = merchants.list(system, Optional.of(MerchantStatus.ACTIVE), page);
            for (Merchant merchant : active.items()) {
                changed += evaluate(merchant.id()) ? 1 : 0;
            }
            if (active.nextCursor() == null) {
                return changed;
            }
            page = new PageRequest(MERCHANTS_PER_PAGE, Cursor.decode(active.nextCursor(),
                    List.of(CursorKey.TIMESTAMP, CursorKey.UUID)));
        }
    }

    private boolean evaluate(UUID merchantId) {
        OffsetDateTime now = reviews.now();
        Report report = measure(merchantId, now.minus(settings.window()), now, Standing.NOT_EVALUATED);
        List<Measure> missed = report.measures().stream().filter(Measure::missed).toList();
        StandingChange change = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            db.insertInto(SERVICE_LEVEL_STANDING).set(SERVICE_LEVEL_STANDING.MERCHANT_ID, merchantId)
                    .set(SERVICE_LEVEL_STANDING.STATE, "good").set(SERVICE_LEVEL_STANDING.EVALUATED_AT, now)
                    .onConflictDoNothing().execute();
            ServiceLevelStandingRecord current = db.selectFrom(SERVICE_LEVEL_STANDING)
                    .where(SERVICE_LEVEL_STANDING.MERCHANT_ID.eq(merchantId)).forUpdate().fetchSingle();
            String state;
            OffsetDateTime warnedAt = current.getWarnedAt();
            if (missed.isEmpty()) {
                state = "good";
                warnedAt = null;
            } else if (current.getState().equals("warned")) {
                boolean graceOver = !now.isBefore(warnedAt.plus(settings.freezeAfter()));
                state = settings.freezeAutomatically() && graceOver ? "frozen" : "warned";
            } else {
                // Good until now, or frozen before and reactivated by the operator: a warning, and a new grace period.
                state = "warned";
                warnedAt = now;
            }
            String previous = current.getState();
            current.setState(state);
            current.setFindings(findingsJson(missed));
            current.setWarnedAt(warnedAt);
            current.setFrozenAt(state.equals("frozen") ? now : null);
            current.setEvaluatedAt(now);
            current.store();
            return new StandingChange(previous, state, warnedAt);
        });
        // After the standing commits, in the merchant's own transactions: the warning as the merchant's state, with
        // merchant.warned once when it starts and merchant.warning_cleared once when it ends (decision 56).
        if (!missed.isEmpty()) {
            merchants.warn(merchantId, new Merchant.ServiceLevelWarning(missed.stream()
                    .map(m -> new Merchant.WarnedMeasure(m.name(), m.due(), m.inTime(), m.shareBasisPoints(),
                            m.thresholdBasisPoints())).toList(), report.from(), report.to(), change.warnedAt()));
        } else {
            // Also when the standing was good already: a clear lost to a crash after the standing committed.
            merchants.clearWarning(merchantId, now);
        }
        if (!change.from().equals("frozen") && change.to().equals("frozen")) {
            // After the standing commits: the merchant's own transaction, with its history row and event.
            merchants.freezeIfActive(Principal.system(EVALUATION_JOB), merchantId, missed.stream()
                    .map(m -> "service level missed: " + m.name() + " " + m.shareBasisPoints() + " bp, threshold "
                            + m.thresholdBasisPoints() + " bp").toList());
        }
        return !change.from().equals(change.to());
    }

    private record StandingChange(String from, String to, OffsetDateTime warnedAt) {
    }

    /** The module's clock (tests move it). */
    OffsetDateTime now() {
        return reviews.now();
    }

    private Optional<Standing> standing(UUID merchantId) {
        return dsl.selectFrom(SERVICE_LEVEL_STANDING).where(SERVICE_LEVEL_STANDING.MERCHANT_ID.eq(merchantId))
                .fetchOptional(row -> new Standing(row.getState(), findings(row.getFindings()), row.getWarnedAt(),
                        row.getFrozenAt(), row.getEvaluatedAt(), row.getEvaluatedAt().minus(settings.window()),
                        row.getEvaluatedAt()));
    }

    private static JSONB findingsJson(List<Measure> missed) {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        missed.forEach(m -> array.add(JSON.createObjectBuilder().add("name", m.name()).add("due", m.due())
                .add("inTime", m.inTime()).add("shareBasisPoints", m.shareBasisPoints())
                .add("thresholdBasisPoints", m.thresholdBasisPoints())));
        return JSONB.jsonb(array.build().toString());
    }

    private static List<Measure> findings(JSONB json) {
        try (JsonReader reader = JSON.createReader(new StringReader(json.data()))) {
            List<Measure> measures = new ArrayList<>();
            for (JsonObject m : reader.readArray().getValuesAs(JsonObject.class)) {
                measures.add(new Measure(m.getString("name"), m.getInt("due"), m.getInt("inTime"),
                        m.getInt("shareBasisPoints"), m.getInt("thresholdBasisPoints"), true));
            }
            return measures;
        }
    }
}
