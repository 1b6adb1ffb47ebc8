package dev.marketplace.server.testing;

import dev.marketplace.server.platform.persistence.OneConnectionPerThread;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails an integration test class when any thread of this process took a second pooled connection while it held one
 * during the class (decision 81 made the check, decision 89 made it fail background jobs too): a request so refused
 * answers 500 and fails its test, but a job's failure is only logged and retried. Registered for every integration
 * test class by failsafe ({@code junit.jupiter.extensions.autodetection.enabled}), so it runs after the class's own
 * extensions have stopped its servers. The cluster's nodes are separate processes: {@link ClusterNodes} reads their logs.
 */
public final class OneConnectionPerThreadCheck implements AfterAllCallback {

    /** Refusals already reported, by this process's count. */
    private static int reported;

    @Override
    public void afterAll(ExtensionContext context) {
        failOnNewRefusals();
    }

    /** Throws an {@link AssertionError} for the refusals made since the last call, naming where the first was made. */
    public static synchronized void failOnNewRefusals() {
        List<IllegalStateException> refusals = OneConnectionPerThread.refusals();
        if (refusals.size() == reported) {
            return;
        }
        IllegalStateException first = refusals.get(reported);
        int count = refusals.size() - reported;
        reported = refusals.size();
        throw new AssertionError(count + " pooled connection(s) taken by a thread that held one (in a request or a "
                + "background job; decision 81); the first: " + first.getMessage(), first);
    }
}
