package dev.marketplace.server.customers;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A marketplace member, with personal data already decrypted. After erasure every personal field is null and
 * only the id, status and timestamps remain.
 */
public record Customer(UUID id,
                       CustomerStatus status,
                       String email,
                       boolean emailVerified,
                       String name,
                       String phone,
                       List<Address> addresses,
                       long version,
                       OffsetDateTime createdAt,
                       OffsetDateTime updatedAt,
                       OffsetDateTime closedAt,
                       OffsetDateTime erasedAt) {

    public Customer {
        addresses = List.copyOf(addresses);
    }
}
