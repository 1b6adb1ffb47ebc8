package dev.marketplace.server.platform.security;

import java.util.Locale;
import java.util.Optional;

/** Who an API client acts for. Every client is bound to exactly one principal. */
public enum PrincipalType {
    OPERATOR, MERCHANT, STOREFRONT, PARTNER;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<PrincipalType> fromWireName(String name) {
        for (PrincipalType type : values()) {
            if (type.wireName().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
