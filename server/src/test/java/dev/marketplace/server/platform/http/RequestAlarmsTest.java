package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-request alarms are cancelled on nearly every request: a cancelled one must not stay queued until its time. */
class RequestAlarmsTest {

    @Test
    void aCancelledAlarmLeavesTheQueueAtOnce() {
        ScheduledThreadPoolExecutor alarms = (ScheduledThreadPoolExecutor) RequestAlarms.scheduler("test-alarms");
        try {
            for (int i = 0; i < 1_000; i++) {
                alarms.schedule(() -> { }, 10, TimeUnit.SECONDS).cancel(false);
            }
            assertThat(alarms.getQueue()).isEmpty();
        } finally {
            alarms.shutdownNow();
        }
    }
}
