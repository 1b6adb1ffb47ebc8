package dev.marketplace.server.platform.persistence;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * Stops the embedded PostgreSQL when this process dies without closing it (SIGKILL, an OOM kill), so that it does
 * not run on orphaned. A small shell process, in a session of its own so that a signal to this process's group
 * spares it, blocks reading a pipe whose only writer is this process: when the process dies, however it dies, the
 * operating system closes the pipe, the read ends, and the shell asks the postmaster for a fast shutdown (an
 * immediate one after ten seconds). {@code PR_SET_PDEATHSIG} cannot do this: {@code pg_ctl} detaches the postmaster
 * from this process at start.
 */
final class PostgresWatchdog implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PostgresWatchdog.class.getName());
    /** The process's name in {@code ps}, and how tests find it. */
    static final String NAME = "marketplace-postgres-watchdog";
    private static final String SCRIPT = """
            read -r _
            kill -s INT "$1" 2>/dev/null || exit 0
            i=0
            while [ $i -lt 100 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
            kill -s QUIT "$1" 2>/dev/null
            """;

    private final Process process;
    private volatile boolean closing;

    private PostgresWatchdog(Process process) {
        this.process = process;
    }

    /** A watchdog over the postmaster; none where {@code setsid} and {@code sh} are missing (not Linux), said in the log. */
    static Optional<PostgresWatchdog> start(long postmasterPid) {
        Process process;
        try {
            process = new ProcessBuilder("setsid", "sh", "-c", SCRIPT, NAME, Long.toString(postmasterPid))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "no watchdog over the embedded PostgreSQL (" + e.getMessage() + "): it would outlive "
                    + "a crash of this server until its next start");
            return Optional.empty();
        }
        PostgresWatchdog watchdog = new PostgresWatchdog(process);
        process.onExit().thenRun(() -> {
            if (!watchdog.closing) {
                LOG.log(Level.WARNING, "the embedded PostgreSQL's watchdog (pid " + process.pid() + ") ended with "
                        + process.exitValue() + "; PostgreSQL would outlive a crash of this server until its next start");
            }
        });
        return Optional.of(watchdog);
    }

    /** Ends the watchdog without its stopping PostgreSQL: the caller stops PostgreSQL itself. */
    @Override
    public void close() {
        closing = true;
        process.destroy();
    }
}
