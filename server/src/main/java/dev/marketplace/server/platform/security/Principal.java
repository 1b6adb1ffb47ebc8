package dev.marketplace.server.platform.security;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling: the principal a verified access token speaks for, through which client, with which scopes,
 * and — for a customer-bound token obtained with a customer's consent — the customer it acts for.
 *
 * @param id           null for the operator, the merchant's / storefront's / partner's id otherwise
 * @param customerId   null unless the token is customer-bound
 * @param systemReason null unless this is {@link #system the server's own work}
 */
public record Principal(PrincipalType type, UUID id, String clientId, Set<String> scopes, UUID customerId,
                        String systemReason) {

    /** The token claim naming the client's principal when {@code sub} is the customer (RFC 9068 §2.2). */
    static final String CLIENT_PRINCIPAL_CLAIM = "client_principal";
    private static final String CUSTOMER_PREFIX = "customer:";

    public Principal {
        scopes = Set.copyOf(scopes);
        if ((type == PrincipalType.OPERATOR) != (id == null)) {
            throw new IllegalArgumentException("the operator has no id; every other principal has one");
        }
        if (systemReason != null && (type != PrincipalType.OPERATOR || clientId != null || customerId != null)) {
            throw new IllegalArgumentException("system work is done by no client and for no customer");
        }
    }

    public Principal(PrincipalType type, UUID id, String clientId, Set<String> scopes, UUID customerId) {
        this(type, id, clientId, scopes, customerId, null);
    }

    public Principal(PrincipalType type, UUID id, String clientId, Set<String> scopes) {
        this(type, id, clientId, scopes, null, null);
    }

    /**
     * The server's own work — checkout reserving stock, jobs expiring orders or releasing escrow — named by why it
     * runs. No token ever carries it and no client is bound to it; like the operator it sees every tenant's rows
     * ({@link Tenancy}), because it acts on whatever rows the work is about.
     */
    public static Principal system(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("system work names its reason");
        }
        return new Principal(PrincipalType.OPERATOR, null, null, Set.of(), null, reason);
    }

    public boolean isSystem() {
        return systemReason != null;
    }

    public boolean isOperator() {
        return type == PrincipalType.OPERATOR;
    }

    /** The same client acting for a customer who consented, with the scopes the customer granted. */
    public Principal actingFor(UUID customer, Set<String> grantedScopes) {
        return new Principal(type, id, clientId, grantedScopes, customer);
    }

    public Optional<UUID> customer() {
        return Optional.ofNullable(customerId);
    }

    /**
     * The subject of the client's principal: {@code operator} or {@code merchant:<uuid>} and so on; for system
     * work {@code system:<reason>}, which {@link #fromSubject} never reads back.
     */
    public String subject() {
        return isSystem() ? "system:" + systemReason : subjectOf(type, id);
    }

    /**
     * The JWT {@code sub}: the customer ({@code customer:<uuid>}) for a customer-bound token, as RFC 9068 asks
     * for grants with a resource owner; the client's principal otherwise.
     */
    public String tokenSubject() {
        return customerId == null ? subject() : CUSTOMER_PREFIX + customerId;
    }

    public static String subjectOf(PrincipalType type, UUID id) {
        return id == null ? type.wireName() : type.wireName() + ":" + id;
    }

    /**
     * Reads a token's subject back; empty when it is not one. A customer subject needs the client's principal,
     * which the token carries in {@link #CLIENT_PRINCIPAL_CLAIM}.
     */
    public static Optional<Principal> fromToken(String subject, String clientPrincipal, String clientId, Set<String> scopes) {
        if (subject.startsWith(CUSTOMER_PREFIX)) {
            if (clientPrincipal == null || clientPrincipal.startsWith(CUSTOMER_PREFIX)) {
                return Optional.empty();
            }
            Optional<UUID> customer = uuid(subject.substring(CUSTOMER_PREFIX.length()));
            return customer.flatMap(c -> fromSubject(clientPrincipal, clientId, scopes).map(p -> p.actingFor(c, scopes)));
        }
        return fromSubject(subject, clientId, scopes);
    }

    /** Reads a {@link #subject()} back; empty when it is not one. */
    public static Optional<Principal> fromSubject(String subject, String clientId, Set<String> scopes) {
        String[] parts = subject.split(":", 2);
        Optional<PrincipalType> type = PrincipalType.fromWireName(parts[0]);
        if (type.isEmpty()) {
            return Optional.empty();
        }
        if (parts.length == 1) {
            return type.get() == PrincipalType.OPERATOR
                    ? Optional.of(new Principal(type.get(), null, clientId, scopes))
                    : Optional.empty();
        }
        return uuid(parts[1]).filter(id -> type.get() != PrincipalType.OPERATOR)
                .map(id -> new Principal(type.get(), id, clientId, scopes));
    }

    private static Optional<UUID> uuid(String text) {
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
