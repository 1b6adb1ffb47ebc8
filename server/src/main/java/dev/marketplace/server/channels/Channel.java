package dev.marketplace.server.channels;

import dev.marketplace.server.platform.security.PrincipalType;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A sales channel (decision 41): a storefront or partner platform (its principal), or a media channel bringing
 * customers with its codes, optionally read by a partner principal; and its revenue-share programme.
 */
record Channel(UUID id, String name, String kind, PrincipalType principalType, UUID principalId, Programme programme,
               List<String> codes, OffsetDateTime createdAt) {

    static final List<String> KINDS = List.of("storefront", "partner", "media");

    /**
     * What the channel is paid: {@code tiers} of its attributed net sales per calendar {@code period} (month or
     * quarter) in {@code currency}, out of the platform's commission or the merchant's payable ({@code fundedBy});
     * {@code gmvTarget} the scorecard's quarterly GMV target.
     */
    record Programme(String currency, String period, String fundedBy, ShareTiers tiers, long gmvTarget) {

        static final List<String> PERIODS = List.of("month", "quarter");
        static final List<String> FUNDERS = List.of("platform", "merchant");

        boolean fundedByMerchant() {
            return fundedBy.equals("merchant");
        }
    }
}
