package dev.marketplace.server.customers;

/**
 * Where mail to customers goes: a mail service in production. The default {@link #logging()} only writes the
 * message to the log, which is enough for development and leaves delivery to whoever plugs in a real one.
 */
@FunctionalInterface
public interface MailSender {

    void send(Mail mail);

    static MailSender logging() {
        System.Logger log = System.getLogger(MailSender.class.getName());
        return mail -> log.log(System.Logger.Level.INFO, "mail to " + mail.to() + ": " + mail.subject() + "\n" + mail.body());
    }
}
