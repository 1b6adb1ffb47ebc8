package dev.marketplace.server.platform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcessLaunchTest {

    @Test
    void countsFromTheProcessStartToNowOnTheClockSinceBoot() {
        // a command name with a space and a parenthesis; started 4,321.07 s after boot (432,107 ticks), now 4,321.93 s
        String status = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 3 1 0 0 20 0 27 0 432107 2000000 5000";

        assertThat(ProcessLaunch.millisSinceLaunch(status, "4321.93 8000.11\n")).isEqualTo(860);
    }

    @Test
    void isNoLessThanTheJvmsOwnUptimeAndAtMostHalfASecondMore() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "Linux only");
        long jvmUptimeBefore = ManagementFactory.getRuntimeMXBean().getUptime();

        long sinceLaunch = ProcessLaunch.millisSinceLaunch().orElseThrow();

        long jvmUptimeAfter = ManagementFactory.getRuntimeMXBean().getUptime();
        // the JVM starts after the launcher has loaded it (tens of ms); both clocks tick to 10 ms. The JDK's figure
        // (ProcessHandle) was off by up to a second here: 770 ms on this machine
        assertThat(sinceLaunch).isBetween(jvmUptimeBefore - 20, jvmUptimeAfter + 500);
    }
}
