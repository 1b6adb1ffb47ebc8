package dev.marketplace.server.merchants;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A company selling on the marketplace, from its application on.
 *
 * @param plan              the plan with the monthly fee agreed at application time
 * @param deposit           the deposit the company lodges
 * @param admissionFindings the admission rules the application broke when filed; non-empty ones cannot be approved
 * @param handlingDays      days from payment to the promised shipment; null: the marketplace default
 * @param warning           the service-level warning in force (decision 56); null when not warned
 */
public record Merchant(UUID id,
                       String legalName,
                       Contact contact,
                       Address address,
                       int yearsInBusiness,
                       UUID categoryId,
                       MerchantPlan plan,
                       Money deposit,
                       MerchantStatus status,
                       List<AdmissionFinding> admissionFindings,
                       long version,
                       OffsetDateTime createdAt,
                       OffsetDateTime updatedAt,
                       Integer handlingDays,
                       ServiceLevelWarning warning) {

    public Merchant {
        admissionFindings = List.copyOf(admissionFindings);
    }

    /**
     * A service-level warning (decision 56): the measures missed over the evaluated period, and since when the
     * merchant is warned.
     */
    public record ServiceLevelWarning(List<WarnedMeasure> measures, OffsetDateTime from, OffsetDateTime to,
                                      OffsetDateTime warnedAt) {
        public ServiceLevelWarning {
            measures = List.copyOf(measures);
        }
    }

    /** One missed measure: due cases, those in time, the share and the threshold in basis points. */
    public record WarnedMeasure(String name, int due, int inTime, int shareBasisPoints, int thresholdBasisPoints) {
    }

    /** The person the marketplace deals with. */
    public record Contact(String name, String email, String phone) {
    }

    /** The registered address; {@code line2} may be null. */
    public record Address(String country, String postalCode, String region, String locality, String line1,
                          String line2) {
    }
}
