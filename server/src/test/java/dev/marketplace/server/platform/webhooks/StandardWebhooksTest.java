package dev.marketplace.server.platform.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StandardWebhooksTest {

    // The example from the Standard Webhooks specification's reference implementations.
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final Instant SPEC_TIME = Instant.ofEpochSecond(1614265330);

    private final StandardWebhooks webhooks = new StandardWebhooks(SPEC_SECRET, Duration.ofMinutes(5));

    @Test
    void signsLikeTheSpecificationsExample() {
        Map<String, String> headers = webhooks.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", SPEC_TIME, SPEC_BODY);

        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", headers.get(StandardWebhooks.SIGNATURE));
    }

    @Test
    void acceptsItsOwnSignatureAmongOthersAndReturnsTheId() throws InvalidWebhookException {
        Map<String, List<String>> headers = received(webhooks.sign("msg_1", SPEC_TIME, SPEC_BODY));
        headers.put("Webhook-Signature", List.of("v1,bm90IGl0 " + headers.remove(StandardWebhooks.SIGNATURE).getFirst()));

        assertEquals("msg_1", webhooks.verify(headers, SPEC_BODY, SPEC_TIME.plusSeconds(60)));
    }

    @Test
    void refusesTamperingReplaysAndMissingHeaders() {
        Map<String, List<String>> headers = received(webhooks.sign("msg_1", SPEC_TIME, SPEC_BODY));

        assertThrows(InvalidWebhookException.class,
                () -> webhooks.verify(headers, "{\"test\": 1}".getBytes(StandardCharsets.UTF_8), SPEC_TIME));
        assertThrows(InvalidWebhookException.class,
                () -> webhooks.verify(headers, SPEC_BODY, SPEC_TIME.plus(Duration.ofMinutes(6))));
        Map<String, List<String>> otherId = new HashMap<>(headers);
        otherId.put(StandardWebhooks.ID, List.of("msg_2"));
        assertThrows(InvalidWebhookException.class, () -> webhooks.verify(otherId, SPEC_BODY, SPEC_TIME));
        Map<String, List<String>> unsigned = new HashMap<>(headers);
        unsigned.remove(StandardWebhooks.SIGNATURE);
        assertThrows(InvalidWebhookException.class, () -> webhooks.verify(unsigned, SPEC_BODY, SPEC_TIME));
        StandardWebhooks otherSecret = new StandardWebhooks("whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQ=", Duration.ofMinutes(5));
        assertThrows(InvalidWebhookException.class, () -> otherSecret.verify(headers, SPEC_BODY, SPEC_TIME));
    }

    private static Map<String, List<String>> received(Map<String, String> sent) {
        Map<String, List<String>> headers = new HashMap<>();
        sent.forEach((name, value) -> headers.put(name, List.of(value)));
        return headers;
    }
}
