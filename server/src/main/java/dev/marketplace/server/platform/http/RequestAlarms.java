package dev.marketplace.server.platform.http;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The scheduler of per-request deadlines ({@link HeaderDeadline}, {@link RequestBodies}): one alarm set and, nearly
 * always, cancelled per request. A cancelled alarm leaves the queue at once: by default it stayed there until its
 * time (10 s), so at 15,000 requests a second some 150,000 dead alarms and what they hold were always queued, lived
 * long enough to be promoted, and kept G1 in concurrent cycles and mixed collections (decision 58).
 */
final class RequestAlarms {

    private RequestAlarms() {
    }

    static ScheduledExecutorService scheduler(String threadName) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
                Thread.ofVirtual().name(threadName).factory());
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }
}
