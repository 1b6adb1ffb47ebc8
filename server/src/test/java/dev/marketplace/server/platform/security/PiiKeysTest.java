package dev.marketplace.server.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PiiKeysTest {

    private static final byte[] PHONE = "+81 90-1234-5678".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ROW = "customer-1:phone".getBytes(StandardCharsets.UTF_8);

    @Test
    void theCurrentKeySealsAndAPreviousKeyStillOpens() {
        SecretBox old = SecretBox.fromBase64(SecretBox.newBase64Key());
        SecretBox current = SecretBox.fromBase64(SecretBox.newBase64Key());
        byte[] sealedBefore = new PiiKeys("k1", Map.of("k1", old)).seal(PHONE, ROW);
        PiiKeys rotated = new PiiKeys("k2", Map.of("k1", old, "k2", current));
        assertThat(rotated.open("k1", sealedBefore, ROW)).isEqualTo(PHONE);
        byte[] sealedAfter = rotated.seal(PHONE, ROW);
        assertThat(rotated.open("k2", sealedAfter, ROW)).isEqualTo(PHONE);
        assertThatThrownBy(() -> rotated.open("k1", sealedAfter, ROW)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDroppedKeyIsNamedWhenItIsStillNeeded() {
        PiiKeys keys = new PiiKeys("k2", Map.of("k2", SecretBox.fromBase64(SecretBox.newBase64Key())));
        assertThatThrownBy(() -> keys.open("k1", new byte[40], ROW)).hasMessageContaining("security.pii.previous.keys.k1");
    }

    @Test
    void aSealedValueDoesNotOpenForAnotherRow() {
        PiiKeys keys = new PiiKeys("k1", Map.of("k1", SecretBox.fromBase64(SecretBox.newBase64Key())));
        byte[] sealed = keys.seal(PHONE, ROW);
        assertThatThrownBy(() -> keys.open("k1", sealed, "customer-2:phone".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
