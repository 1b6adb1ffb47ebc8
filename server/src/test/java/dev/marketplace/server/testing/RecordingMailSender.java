package dev.marketplace.server.testing;

import dev.marketplace.server.customers.Mail;
import dev.marketplace.server.customers.MailSender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Keeps the mail the server sends, so tests can read the codes customers receive. */
public final class RecordingMailSender implements MailSender {

    private static final Pattern CODE = Pattern.compile("^(mps_[A-Za-z0-9_-]+)$", Pattern.MULTILINE);

    private final List<Mail> sent = new CopyOnWriteArrayList<>();

    @Override
    public void send(Mail mail) {
        sent.add(mail);
    }

    public List<Mail> sentTo(String address) {
        return sent.stream().filter(mail -> mail.to().equals(address)).toList();
    }

    /** The code in the latest mail to {@code address} (waiting briefly for it), as a customer would copy it. */
    public String latestCodeFor(String address) {
        Await.until(Duration.ofSeconds(5), "a mail to " + address, () -> !sentTo(address).isEmpty());
        Matcher code = CODE.matcher(sentTo(address).getLast().body());
        if (!code.find()) {
            throw new AssertionError("no code in the mail to " + address);
        }
        return code.group(1);
    }
}
