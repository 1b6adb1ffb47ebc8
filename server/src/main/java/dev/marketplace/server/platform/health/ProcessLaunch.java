package dev.marketplace.server.platform.health;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * How long ago this process was launched, for the first start-up line. Not from the JDK's
 * {@code ProcessHandle.Info.startInstant()}: on Linux it adds the process's start (clock ticks since boot) to the boot
 * time, which {@code /proc/stat} gives in whole seconds, so it is late or early by up to a second (it said "JVM started
 * in 1,047 ms" where the launch was 170 ms before {@code main}). Both ends are read against the one clock since boot:
 * the process's start in {@code /proc/self/stat} and the time now in {@code /proc/uptime}.
 */
public final class ProcessLaunch {

    /** Linux gives process times in USER_HZ, 100 a second on every architecture the JDK runs on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private ProcessLaunch() {
    }

    /** Milliseconds since this process was launched (to 10 ms); empty where there is no {@code /proc} (not Linux). */
    public static OptionalLong millisSinceLaunch() {
        try {
            String processStatus = Files.readString(Path.of("/proc/self/stat"));
            String uptime = Files.readString(Path.of("/proc/uptime"));
            return OptionalLong.of(millisSinceLaunch(processStatus, uptime));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** From {@code /proc/self/stat} (its 22nd field: the start in clock ticks since boot) and {@code /proc/uptime}. */
    static long millisSinceLaunch(String processStatus, String uptime) {
        // The 2nd field, the command's name in parentheses, may itself hold spaces and parentheses: count after it.
        String[] afterName = processStatus.substring(processStatus.lastIndexOf(')') + 2).split(" ");
        long startedTicks = Long.parseLong(afterName[22 - 3]);
        double secondsSinceBoot = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
        return Math.round(secondsSinceBoot * 1000) - startedTicks * 1000 / CLOCK_TICKS_PER_SECOND;
    }
}
