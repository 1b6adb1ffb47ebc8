package dev.marketplace.server.merchants;

import dev.marketplace.server.platform.security.PrincipalType;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * One entry of a merchant's history: a status change, who made it (client and principal), when and why.
 *
 * @param sequence   orders the history (and pages through it)
 * @param fromStatus null for the application itself
 */
public record MerchantStatusChange(long sequence,
                                   MerchantStatus fromStatus,
                                   MerchantStatus toStatus,
                                   List<String> reasons,
                                   String changedByClientId,
                                   PrincipalType changedByPrincipalType,
                                   UUID changedByPrincipalId,
                                   OffsetDateTime changedAt) {

    public MerchantStatusChange {
        reasons = List.copyOf(reasons);
    }
}
