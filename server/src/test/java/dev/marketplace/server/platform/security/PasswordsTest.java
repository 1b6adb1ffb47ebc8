package dev.marketplace.server.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

class PasswordsTest {

    @Test
    void aHashIsArgon2idWithItsParametersAndASaltOfItsOwn() {
        String first = Passwords.hash("correct horse battery staple");
        String second = Passwords.hash("correct horse battery staple");
        assertThat(first).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").isNotEqualTo(second);
        assertThat(Passwords.matches("correct horse battery staple", first)).isTrue();
        assertThat(Passwords.matches("correct horse battery staple", second)).isTrue();
    }

    @Test
    void aWrongPasswordOrNoAccountDoesNotMatch() {
        String stored = Passwords.hash("パスワードは長いほうがいい");
        assertThat(Passwords.matches("パスワードは長いほうがいい", stored)).isTrue();
        assertThat(Passwords.matches("パスワードは長いほうがいい ", stored)).isFalse();
        assertThat(Passwords.matches("anything", null)).isFalse();
    }

    @Test
    void aHashWithOtherParametersStillVerifies() {
        // Parameters are read from the stored string, so raising them later keeps older hashes valid.
        byte[] salt = "somesaltsomesalt".getBytes(StandardCharsets.US_ASCII);
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(64).withIterations(1).withParallelism(1).withSalt(salt).build());
        byte[] hash = new byte[32];
        generator.generateBytes("old password".getBytes(StandardCharsets.UTF_8), hash);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        String lighter = "$argon2id$v=19$m=64,t=1,p=1$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
        assertThat(Passwords.matches("old password", lighter)).isTrue();
        assertThat(Passwords.matches("other password", lighter)).isFalse();
    }
}
