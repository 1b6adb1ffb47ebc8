package dev.marketplace.server.platform.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-only crash hook (issue 21, decision 51). With the system property {@value #PROPERTY} naming a directory, a
 * point below is armed by a file of its name in that directory; the first process of the cluster that reaches an
 * armed point deletes the file (so exactly one node crashes, once) and halts at once ({@code Runtime.halt(137)}, as
 * a SIGKILL or an OOM kill would end it: no shutdown hook, no finally block, no commit). Only the cluster tests set
 * the property, on the command line of the nodes they start; production never does, and then a point costs one
 * null check.
 */
public final class CrashPoints {

    public static final String PROPERTY = "marketplace.crash.dir";

    /** Inside the checkout transaction, the stock reserved, before the commit. */
    public static final String CHECKOUT_RESERVED = "checkout.reserved";
    /** The provider has authorized (and captured) the payment; its outcome is not written yet. */
    public static final String PAYMENT_CAPTURED = "payment.captured";
    /** The provider has refunded; the refund's outcome is not written yet. */
    public static final String REFUND_SENT = "refund.sent";
    /** The payout provider has paid; the payout's outcome is not written yet. */
    public static final String PAYOUT_SENT = "payout.sent";
    /** A webhook receiver has answered a delivery; the attempt is not recorded yet. */
    public static final String WEBHOOK_SENT = "webhook.sent";

    private static final Path DIRECTORY = directory();

    private CrashPoints() {
    }

    private static Path directory() {
        String directory = System.getProperty(PROPERTY, "");
        return directory.isBlank() ? null : Path.of(directory);
    }

    /** Halts the process if {@code point} is armed (and this process is the first to reach it). */
    public static void reached(String point) {
        if (DIRECTORY == null) {
            return;
        }
        boolean armed;
        try {
            armed = Files.deleteIfExists(DIRECTORY.resolve(point));
        } catch (IOException e) {
            armed = false;
        }
        if (armed) {
            System.out.println("crash point " + point + " reached: halting (test configuration " + PROPERTY + ")");
            System.out.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
