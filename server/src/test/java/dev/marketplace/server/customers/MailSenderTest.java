package dev.marketplace.server.customers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MailSenderTest {

    @Test
    void theDevelopmentSinkWritesEachMailToAnOwnerOnlyFileNamedByItsTime(@TempDir Path data) throws Exception {
        Path folder = data.resolve("mail");
        MailSender sink = MailSender.developmentSink(folder,
                Clock.fixed(Instant.parse("2026-12-05T09:30:00.250Z"), ZoneOffset.UTC));

        sink.send(new Mail("hana@example.jp", "Your code", "Your code is 482913."));
        sink.send(new Mail("hana@example.jp", "Your code", "Your code is 100200."));

        List<Path> files;
        try (Stream<Path> listed = Files.list(folder)) {
            files = listed.sorted().toList();
        }
        assertThat(files).hasSize(2).allSatisfy(file -> {
            assertThat(file.getFileName().toString()).startsWith("20261205T093000.250Z-").endsWith(".txt");
            assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
                    PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        });
        assertThat(files.stream().map(MailSenderTest::read)).containsExactlyInAnyOrder(
                "To: hana@example.jp\nSubject: Your code\n\nYour code is 482913.\n",
                "To: hana@example.jp\nSubject: Your code\n\nYour code is 100200.\n");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
