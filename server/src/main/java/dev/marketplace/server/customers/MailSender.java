package dev.marketplace.server.customers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * Where mail to customers goes: a mail service in production, plugged in through
 * {@code MarketplaceServer.start(config, mailSender)}. Without one, {@link #developmentSink} writes each message to the
 * log and to a folder, where a developer reads the mailed codes.
 */
@FunctionalInterface
public interface MailSender {

    void send(Mail mail);

    static MailSender logging() {
        System.Logger log = System.getLogger(MailSender.class.getName());
        return mail -> log.log(System.Logger.Level.INFO, "mail to " + mail.to() + ": " + mail.subject() + "\n" + mail.body());
    }

    /**
     * The log, and one owner-only file per message in {@code folder}: {@code <UTC time>-<id>.txt} holding
     * {@code To:}, {@code Subject:}, a blank line and the body, so the newest file is the last mail sent.
     */
    static MailSender developmentSink(Path folder, Clock clock) {
        MailSender log = logging();
        DateTimeFormatter time = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
        return mail -> {
            log.send(mail);
            Path file = folder.resolve(time.format(clock.instant()) + "-" + UUID.randomUUID() + ".txt");
            try {
                Files.createDirectories(folder);
                if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                }
                Files.writeString(file, "To: " + mail.to() + "\nSubject: " + mail.subject() + "\n\n" + mail.body() + "\n",
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the mail to " + file, e);
            }
        };
    }
}
