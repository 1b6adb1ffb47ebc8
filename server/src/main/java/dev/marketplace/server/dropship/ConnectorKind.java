package dev.marketplace.server.dropship;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The supplier API styles the SPI has an implementation for. */
public enum ConnectorKind {
    /** The built-in supplier, in process: the flow runs on a fresh machine and in the demo. */
    SIMULATED,
    /** A JSON REST API in the style of CJ Dropshipping's (token, paged search, per-warehouse stock, orders). */
    REST,
    /** A product and stock file (CSV or JSON) at an HTTPS URL, with orders posted to a simple endpoint. */
    FEED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ConnectorKind> fromWireName(String name) {
        return Arrays.stream(values()).filter(k -> k.wireName().equals(name)).findFirst();
    }
}
