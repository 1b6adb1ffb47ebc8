package dev.marketplace.server.merchants;

import dev.marketplace.server.platform.money.Money;
import io.helidon.config.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules an application must meet to be approved, from configuration ({@code merchants.admission.*}):
 * at least {@code min.years} in business, and a deposit of at least {@code deposit} in the same currency
 * (amounts in other currencies are not converted). Checked when the application is filed; what it breaks is
 * recorded with it, so the reviewer sees the rules as they stood when the company applied.
 */
public record AdmissionRules(int minYearsInBusiness, Money minDeposit) {

    public static final String MIN_YEARS_IN_BUSINESS = "min_years_in_business";
    public static final String MIN_DEPOSIT = "min_deposit";

    /** From the {@code merchants} configuration node. */
    public static AdmissionRules from(Config merchants) {
        Config admission = merchants.get("admission");
        return new AdmissionRules(admission.get("min.years").asInt().get(),
                Money.of(admission.get("deposit.amount").asLong().get(), admission.get("deposit.currency").asString().get()));
    }

    public List<AdmissionFinding> check(MerchantApplication application) {
        List<AdmissionFinding> findings = new ArrayList<>();
        if (application.yearsInBusiness() < minYearsInBusiness) {
            findings.add(new AdmissionFinding(MIN_YEARS_IN_BUSINESS, "The company has been in business "
                    + application.yearsInBusiness() + " years; at least " + minYearsInBusiness + " are required."));
        }
        Money deposit = application.deposit();
        if (!deposit.currency().equals(minDeposit.currency()) || deposit.amount() < minDeposit.amount()) {
            findings.add(new AdmissionFinding(MIN_DEPOSIT, "The deposit is " + deposit.amount() + " "
                    + deposit.currency() + "; at least " + minDeposit.amount() + " " + minDeposit.currency()
                    + " is required."));
        }
        return findings;
    }
}
