package dev.marketplace.server.merchants;

import java.util.Locale;

/** What the operator does to a merchant's status; each is one {@code POST /v1/merchants/{id}/<action>}. */
public enum MerchantAction {
    APPROVE, REJECT, SUSPEND, FREEZE, REACTIVATE, CLOSE;

    /** The last segment of the action's path. */
    public String pathSegment() {
        return name().toLowerCase(Locale.ROOT);
    }
}
