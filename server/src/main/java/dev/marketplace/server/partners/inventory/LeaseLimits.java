package dev.marketplace.server.partners.inventory;

import java.util.UUID;

/** The most a partner may hold in leases at once, and what it holds now. */
public record LeaseLimits(UUID partnerId, long maxUnitsHeld, int maxOpenLeases, long unitsHeld, int openLeases) {
}
