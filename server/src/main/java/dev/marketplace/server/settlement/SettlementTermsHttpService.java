package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/settlement} (decision 31): a merchant's commission override and admission deposits, the platform
 * summary of a period. The operator's.
 */
public final class SettlementTermsHttpService implements HttpService {

    public static final String PATH = "/v1/settlement";
    static final int REFERENCE_MAX = 100;
    static final int REASON_MAX = 500;
    /** The longest period a summary covers: about ten years. */
    static final int SUMMARY_DAYS_MAX = 3_660;

    private final CommissionFeeService service;

    SettlementTermsHttpService(CommissionFeeService service) {
        this.service = service;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/merchants/{merchantId}/commission-override", this::getOverride)
                .put("/merchants/{merchantId}/commission-override", this::setOverride)
                .delete("/merchants/{merchantId}/commission-override", this::removeOverride)
                .post("/merchants/{merchantId}/deposits", this::recordDeposit)
                .post("/merchants/{merchantId}/deposit-refunds", this::refundDeposit)
                .get("/summary", this::summary);
    }

    public record CommissionOverrideView(UUID merchantId, int rateBasisPoints, String setBy, OffsetDateTime setAt) {

        static CommissionOverrideView of(Commissions.Override override) {
            return new CommissionOverrideView(override.merchantId(), override.rateBasisPoints(), override.setBy(),
                    override.setAt());
        }
    }

    public record DepositView(UUID id, UUID merchantId, String reference, Money amount, String recordedBy,
                              OffsetDateTime recordedAt) {
    }

    public record DepositRefundView(UUID id, UUID merchantId, String reference, Money amount, String reason,
                                    String refundedBy, OffsetDateTime refundedAt) {
    }

    public record FiguresView(String currency, Money gmv, Money commission, Money planFees, Money paymentFees,
                              Money payouts) {
    }

    public record AccountKindView(String kind, Money opening, Money movement, Money closing) {
    }

    public record SummaryView(LocalDate from, LocalDate to, List<FiguresView> figures,
                              List<AccountKindView> accounts) {
    }

    private void getOverride(ServerRequest req, ServerResponse res) {
        JsonResponses.ok(res, CommissionOverrideView.of(service.override(Authentication.principal(req), merchantId(req))
                .orElseThrow(() -> ProblemException.notFound("commission override"))));
    }

    private void setOverride(ServerRequest req, ServerResponse res) {
        UUID merchantId = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "rateBasisPoints");
        Integer rate = body.requiredInt("rateBasisPoints", 0, CommissionRates.BASIS);
        body.throwIfInvalid();
        JsonResponses.ok(res, CommissionOverrideView.of(service.setOverride(Authentication.principal(req), merchantId,
                rate)));
    }

    private void removeOverride(ServerRequest req, ServerResponse res) {
        service.removeOverride(Authentication.principal(req), merchantId(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void recordDeposit(ServerRequest req, ServerResponse res) {
        UUID merchantId = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reference", "amount");
        String reference = body.requiredString("reference", 1, REFERENCE_MAX);
        Optional<Money> amount = body.nullableMoney("amount", 1);
        body.throwIfInvalid();
        Reserves.Deposit deposit = service.recordDeposit(Authentication.principal(req), merchantId, reference, amount);
        JsonResponses.send(res, deposit.recorded() ? Status.CREATED_201 : Status.OK_200, new DepositView(deposit.id(),
                deposit.merchantId(), deposit.reference(), deposit.amount(), deposit.recordedBy(),
                deposit.recordedAt()));
    }

    private void refundDeposit(ServerRequest req, ServerResponse res) {
        UUID merchantId = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reference", "amount", "reason");
        String reference = body.requiredString("reference", 1, REFERENCE_MAX);
        Money amount = body.requiredMoney("amount", 1);
        String reason = body.requiredString("reason", 1, REASON_MAX);
        body.throwIfInvalid();
        Reserves.DepositRefund refund = service.refundDeposit(Authentication.principal(req), merchantId, reference,
                amount, reason);
        JsonResponses.send(res, refund.refunded() ? Status.CREATED_201 : Status.OK_200, new DepositRefundView(
                refund.id(), refund.merchantId(), refund.reference(), refund.amount(), refund.reason(),
                refund.refundedBy(), refund.refundedAt()));
    }

    private void summary(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "from", "to");
        Optional<LocalDate> from = date(query, "from");
        Optional<LocalDate> to = date(query, "to");
        if (from.isPresent() && to.isPresent() && (!to.get().isAfter(from.get())
                || from.get().plusDays(SUMMARY_DAYS_MAX).isBefore(to.get()))) {
            query.reject("to", FieldError.OUT_OF_RANGE, "must be after from, by at most " + SUMMARY_DAYS_MAX + " days");
        }
        query.throwIfInvalid();
        PlatformSummary.Summary summary = service.summary(Authentication.principal(req), from.orElseThrow(),
                to.orElseThrow());
        JsonResponses.ok(res, new SummaryView(from.get(), to.get(), summary.figures().stream()
                .map(f -> new FiguresView(f.currency(), Money.of(f.gmv(), f.currency()),
                        Money.of(f.commission(), f.currency()), Money.of(f.planFees(), f.currency()),
                        Money.of(f.paymentFees(), f.currency()), Money.of(f.payouts(), f.currency())))
                .toList(), summary.accounts().stream()
                .map(a -> new AccountKindView(a.kind(), Money.of(a.opening(), a.currency()),
                        Money.of(a.movement(), a.currency()), Money.of(a.closing(), a.currency())))
                .toList()));
    }

    /** A required day, {@code yyyy-mm-dd}. */
    private static Optional<LocalDate> date(QueryParameters query, String name) {
        Optional<String> text = query.text(name, 10, 10);
        if (text.isEmpty()) {
            query.reject(name, FieldError.REQUIRED, "is required (yyyy-mm-dd)");
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(text.get()));
        } catch (DateTimeParseException e) {
            query.reject(name, FieldError.INVALID_FORMAT, "must be a date, yyyy-mm-dd");
            return Optional.empty();
        }
    }

    /** A malformed id cannot name a merchant: answered like an unknown one. */
    private static UUID merchantId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("merchantId"))
                .orElseThrow(() -> ProblemException.notFound("merchant"));
    }
}
