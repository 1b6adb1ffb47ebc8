package dev.marketplace.sdk;

import java.io.IOException;

/** Where {@link AuthorizingHttpClient} gets bearer tokens: the client credentials grant, or a signed-in customer's. */
interface TokenSource {

    /** A token that is not close to expiring, fetched now if the one kept is. */
    String accessToken() throws IOException, InterruptedException;

    /** Drops a token the API rejected, unless it has already been replaced. */
    void forget(String rejectedToken);
}
