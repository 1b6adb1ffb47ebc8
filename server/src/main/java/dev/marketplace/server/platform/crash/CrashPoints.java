package dev.marketplace.server.platform.crash;

/**
 * Test-only crash hook (issue 21, decision 51): with the system property {@value #PROPERTY} naming one of the points
 * below, the server halts at once ({@code Runtime.halt(137)}, as a SIGKILL or an OOM kill would end it: no shutdown
 * hook, no finally block, no commit) when it reaches that point. Only the cluster tests set it, on the command line
 * of a node they start; production never does, and an unset property costs one comparison of a constant.
 */
public final class CrashPoints {

    public static final String PROPERTY = "marketplace.crash.point";

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

    private static final String ARMED = System.getProperty(PROPERTY, "");

    private CrashPoints() {
    }

    /** Halts the process if the armed crash point is {@code point}. */
    public static void reached(String point) {
        if (!ARMED.isEmpty() && ARMED.equals(point)) {
            System.err.println("crash point " + point + " reached: halting (test configuration " + PROPERTY + ")");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
