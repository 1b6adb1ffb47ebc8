package dev.marketplace.server.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The kept ciphers (decision 141): shared by many callers at once, each seal still with a nonce of its own. */
class SecretBoxTest {

    private static final byte[] ROW = "order-1:address".getBytes(StandardCharsets.UTF_8);

    @Test
    void manyThreadsSealAndOpenWithTheKeptCiphersEachSealWithANewNonce() throws Exception {
        SecretBox box = SecretBox.fromBase64(SecretBox.newBase64Key());
        Set<ByteBuffer> nonces = ConcurrentHashMap.newKeySet();
        List<Future<?>> callers = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int caller = 0; caller < 16; caller++) {
                int id = caller;
                callers.add(threads.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        byte[] plaintext = ("caller " + id + " value " + i).getBytes(StandardCharsets.UTF_8);
                        byte[] sealed = box.seal(plaintext, ROW);
                        nonces.add(ByteBuffer.wrap(Arrays.copyOfRange(sealed, 1, 13)));
                        assertThat(box.open(sealed, ROW)).isEqualTo(plaintext);
                    }
                    return null;
                }));
            }
            for (Future<?> caller : callers) {
                caller.get();
            }
        }
        assertThat(nonces).hasSize(16 * 200);
    }

    @Test
    void aValueThatDoesNotOpenLeavesTheNextSealAndOpenWorking() {
        SecretBox box = SecretBox.fromBase64(SecretBox.newBase64Key());
        byte[] sealed = box.seal("+81 90-1234-5678".getBytes(StandardCharsets.UTF_8), ROW);
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> box.open(tampered, ROW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> box.open(sealed, "order-2:address".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(box.open(sealed, ROW)).isEqualTo("+81 90-1234-5678".getBytes(StandardCharsets.UTF_8));
        byte[] again = box.seal("+81 90-1234-5678".getBytes(StandardCharsets.UTF_8), ROW);
        assertThat(Arrays.copyOfRange(again, 1, 13)).isNotEqualTo(Arrays.copyOfRange(sealed, 1, 13));
        assertThat(box.open(again, ROW)).isEqualTo("+81 90-1234-5678".getBytes(StandardCharsets.UTF_8));
    }
}
