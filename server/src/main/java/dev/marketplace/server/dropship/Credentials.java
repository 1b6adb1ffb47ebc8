package dev.marketplace.server.dropship;

import java.util.Optional;

/** What a connection signs in with: the REST supplier's API key, or the feed's access token; none for the simulated one. */
record Credentials(String apiKey) {

    static Credentials of(Optional<String> apiKey) {
        return new Credentials(apiKey.orElse(""));
    }

    @Override
    public String toString() {
        return "Credentials[sealed]";
    }
}
