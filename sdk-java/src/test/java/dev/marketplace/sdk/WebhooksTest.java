package dev.marketplace.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhooksTest {

    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    private static final String OTHER = "whsec_" + Base64.getEncoder().encodeToString("another secret of 32 bytes!!!!!!".getBytes(StandardCharsets.US_ASCII));
    private static final Instant SENT = Instant.parse("2026-12-05T10:00:00Z");
    private static final String BODY = "{\"id\":\"msg_1\",\"type\":\"stock.low\"}";

    @Test
    void aMessageSignedWithTheSecretVerifiesAndGivesItsId() {
        assertThat(verify(headers("msg_1", SENT, "v1," + sign(SECRET, "msg_1", SENT, BODY)), SENT.plusSeconds(30)))
                .isEqualTo("msg_1");
    }

    @Test
    void duringARotationEitherSignatureIsEnough() {
        String both = "v1," + sign(OTHER, "msg_1", SENT, BODY) + " v1," + sign(SECRET, "msg_1", SENT, BODY);
        assertThat(verify(headers("msg_1", SENT, both), SENT)).isEqualTo("msg_1");
    }

    @Test
    void aChangedBodyAnotherSecretAStaleTimestampOrAMissingHeaderIsRefused() {
        String signature = "v1," + sign(SECRET, "msg_1", SENT, BODY);
        assertThatThrownBy(() -> Webhooks.verify(BODY + " ", headers("msg_1", SENT, signature), SECRET))
                .isInstanceOf(Webhooks.WebhookVerificationException.class);
        assertThatThrownBy(() -> verify(headers("msg_1", SENT, "v1," + sign(OTHER, "msg_1", SENT, BODY)), SENT))
                .hasMessageContaining("no webhook-signature matches");
        assertThatThrownBy(() -> verify(headers("msg_1", SENT, signature), SENT.plus(Duration.ofMinutes(6))))
                .hasMessageContaining("too far from now");
        assertThatThrownBy(() -> verify(headers("msg_2", SENT, signature), SENT))
                .as("the signature covers the id").hasMessageContaining("no webhook-signature matches");
        assertThatThrownBy(() -> verify(Map.of("webhook-id", List.of("msg_1")), SENT))
                .hasMessageContaining("webhook-timestamp is missing");
    }

    private static String verify(Map<String, List<String>> headers, Instant now) {
        return Webhooks.verify(BODY.getBytes(StandardCharsets.UTF_8), headers, SECRET, Webhooks.DEFAULT_TOLERANCE,
                Clock.fixed(now, ZoneOffset.UTC));
    }

    private static Map<String, List<String>> headers(String id, Instant sent, String signature) {
        return Map.of("Webhook-Id", List.of(id), "webhook-timestamp", List.of(Long.toString(sent.getEpochSecond())),
                "webhook-signature", List.of(signature));
    }

    private static String sign(String secret, String id, Instant sent, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(
                    (id + "." + sent.getEpochSecond() + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
