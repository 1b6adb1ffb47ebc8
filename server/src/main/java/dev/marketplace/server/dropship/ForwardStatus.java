package dev.marketplace.server.dropship;

import java.util.Arrays;
import java.util.Optional;

/** Where a sub-order line sent to a supplier stands (decision 39). */
public enum ForwardStatus {
    /** Recorded, to be sent (or sent again with the same key after an unknown outcome). */
    PENDING("pending"),
    /** The supplier took it: its order reference is kept. */
    FORWARDED("forwarded_to_supplier"),
    /** The supplier refused it (its reason is kept): the merchant retries it or cancels the sub-order. */
    REFUSED("refused"),
    SHIPPED("shipped"),
    DELIVERED("delivered"),
    CANCELLED("cancelled");

    private final String wireName;

    ForwardStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<ForwardStatus> fromWireName(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }
}
