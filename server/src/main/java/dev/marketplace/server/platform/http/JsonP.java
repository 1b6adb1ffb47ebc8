package dev.marketplace.server.platform.http;

import jakarta.json.spi.JsonProvider;

/**
 * The one JSON-P provider of the server. {@code Json.create…} looks the provider up through the ServiceLoader (a
 * class-path scan) on every call, which profiles showed on every hot path (decision 15); use {@code JSON.create…}.
 */
public final class JsonP {

    public static final JsonProvider JSON = JsonProvider.provider();

    private JsonP() {
    }
}
