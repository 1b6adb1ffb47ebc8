package dev.marketplace.server.testing;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;

/** WireMock playing an outside party (a supplier, a partner, a payment provider, a webhook receiver) on loopback. */
public final class LoopbackWireMock {

    private LoopbackWireMock() {
    }

    /** A started WireMock server on a free loopback port; the test stops it. */
    public static WireMockServer started() {
        WireMockServer wireMock = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
        wireMock.start();
        return wireMock;
    }
}
