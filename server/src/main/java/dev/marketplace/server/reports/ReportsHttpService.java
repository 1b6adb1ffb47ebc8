package dev.marketplace.server.reports;

import dev.marketplace.server.platform.http.Csv;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@code /v1/reports}: the sales and loyalty report, as JSON or (with {@code Accept: text/csv}) CSV. */
public final class ReportsHttpService implements HttpService {

    static final String PATH = "/v1/reports";
    /** The CSV's fixed columns (the contract's), one row of figures under them. */
    static final String CSV_COLUMNS = "merchant_id,currency,from,to,gmv,orders,average_order_value,customers,"
            + "repeat_customers,repeat_purchase_rate_bp,customer_lifetime_value,points_issued,points_redeemed,"
            + "points_expired,points_usage_rate_bp,coupon_cost,coupon_uses";
    private static final Duration LONGEST_PERIOD = Duration.ofDays(366);

    private final Reports reports;

    ReportsHttpService(Reports reports) {
        this.reports = reports;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/sales-and-loyalty", this::salesAndLoyalty);
    }

    private void salesAndLoyalty(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "merchantId", "currency", "from", "to");
        Optional<UUID> merchantId = query.uuid("merchantId");
        Optional<String> currency = query.currency("currency");
        if (currency.isEmpty() && query.text("currency", 0, 3).isEmpty()) {
            query.reject("currency", FieldError.REQUIRED, "the report's currency, e.g. JPY");
        }
        OffsetDateTime from = query.requiredInstant("from");
        OffsetDateTime to = query.requiredInstant("to");
        if (from != null && to != null && (!to.isAfter(from) || Duration.between(from, to).compareTo(LONGEST_PERIOD) > 0)) {
            query.reject("to", FieldError.OUT_OF_RANGE, "must be after from, by at most 366 days");
        }
        query.throwIfInvalid();
        Reports.Report report = reports.report(Authentication.principal(req), merchantId, currency.orElseThrow(), from,
                to);
        if (Csv.preferred(req)) {
            Csv.send(res, CSV_COLUMNS + "\r\n" + csvRow(report) + "\r\n");
            return;
        }
        JsonResponses.ok(res, report);
    }

    private static String csvRow(Reports.Report r) {
        return Stream.of(r.merchantId() == null ? "" : r.merchantId().toString(), r.currency(), r.from().toString(),
                        r.to().toString(), amount(r.gmv()), r.orders(), amount(r.averageOrderValue()), r.customers(),
                        r.repeatCustomers(), r.repeatPurchaseRateBasisPoints(), amount(r.customerLifetimeValue()),
                        r.pointsIssued(), r.pointsRedeemed(), r.pointsExpired(), r.pointsUsageRateBasisPoints(),
                        amount(r.couponCost()), r.couponUses())
                .map(String::valueOf).collect(Collectors.joining(","));
    }

    private static String amount(Money money) {
        return Long.toString(money.amount());
    }

}
