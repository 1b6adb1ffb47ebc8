package dev.marketplace.server.merchants;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a merchant stands. Every change of status goes through {@link #after}, the one transition function:
 * <pre>
 * pending ─approve→ active ─suspend→ suspended ─reactivate→ active
 *    └─reject→ rejected   └─freeze→  frozen    ─reactivate→ active
 * any status but closed ─close→ closed (final)
 * </pre>
 */
public enum MerchantStatus {
    PENDING, ACTIVE, REJECTED, SUSPENDED, FROZEN, CLOSED;

    /** The status {@code action} leads to from this one; empty when the action is not allowed from here. */
    public Optional<MerchantStatus> after(MerchantAction action) {
        return Optional.ofNullable(switch (action) {
            case APPROVE -> this == PENDING ? ACTIVE : null;
            case REJECT -> this == PENDING ? REJECTED : null;
            case SUSPEND -> this == ACTIVE ? SUSPENDED : null;
            case FREEZE -> this == ACTIVE ? FROZEN : null;
            case REACTIVATE -> this == SUSPENDED || this == FROZEN ? ACTIVE : null;
            case CLOSE -> this == CLOSED ? null : CLOSED;
        });
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<MerchantStatus> fromWireName(String name) {
        for (MerchantStatus status : values()) {
            if (status.wireName().equals(name)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
