package dev.marketplace.server.platform.security;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling: the principal a verified access token speaks for, through which client, with which scopes.
 * A customer-bound token (delegated sign-in, a later issue) will add the customer it acts for.
 *
 * @param id null for the operator, the merchant's / storefront's / partner's id otherwise
 */
public record Principal(PrincipalType type, UUID id, String clientId, Set<String> scopes) {

    public Principal {
        scopes = Set.copyOf(scopes);
        if ((type == PrincipalType.OPERATOR) != (id == null)) {
            throw new IllegalArgumentException("the operator has no id; every other principal has one");
        }
    }

    public boolean isOperator() {
        return type == PrincipalType.OPERATOR;
    }

    /** The JWT {@code sub}: {@code operator} or {@code merchant:<uuid>} and so on. */
    public String subject() {
        return subjectOf(type, id);
    }

    public static String subjectOf(PrincipalType type, UUID id) {
        return id == null ? type.wireName() : type.wireName() + ":" + id;
    }

    /** Reads a {@link #subject()} back; empty when it is not one. */
    public static Optional<Principal> fromSubject(String subject, String clientId, Set<String> scopes) {
        String[] parts = subject.split(":", 2);
        Optional<PrincipalType> type = PrincipalType.fromWireName(parts[0]);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        try {
            UUID id = parts.length == 2 ? UUID.fromString(parts[1]) : null;
            return Optional.of(new Principal(type.get(), id, clientId, scopes));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
