package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

/** The one "write again while the lease is held" mechanism (decision 80) and what it counts as passing. */
class HeldWriteTest {

    private static final Duration EVERY = Duration.ofMillis(20);

    private static DataAccessException failure(String sqlState) {
        return new DataAccessException("statement failed", new SQLException("refused", sqlState));
    }

    @Test
    void aWriteRefusedWhileTheDatabaseIsOutOfReachIsMadeOnceItIsBack() {
        AtomicInteger tries = new AtomicInteger();
        HeldWrite.write("test write", EVERY, System.nanoTime() + Duration.ofSeconds(10).toNanos(), () -> {
            if (tries.incrementAndGet() < 3) {
                throw new DataAccessException("pool", new SQLTransientConnectionException("connection is not available"));
            }
        });
        assertThat(tries).hasValue(3);
    }

    @Test
    void aFailureThatWouldRecurIsThrownAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        Throwable thrown = catchThrowable(() -> HeldWrite.write("test write", EVERY,
                System.nanoTime() + Duration.ofSeconds(10).toNanos(), () -> {
                    tries.incrementAndGet();
                    throw failure("23505");
                }));
        assertThat(thrown).isInstanceOf(DataAccessException.class);
        assertThat(tries).hasValue(1);

        tries.set(0);
        assertThat(catchThrowable(() -> HeldWrite.write("test write", EVERY,
                System.nanoTime() + Duration.ofSeconds(10).toNanos(), () -> {
                    tries.incrementAndGet();
                    throw new IllegalStateException("a bug");
                }))).isInstanceOf(IllegalStateException.class);
        assertThat(tries).as("a RuntimeException that is no database failure is not tried again").hasValue(1);
    }

    @Test
    void triesStopBeforeTheLeaseEnds() {
        AtomicInteger tries = new AtomicInteger();
        AtomicLong lastTry = new AtomicLong();
        long leaseEnds = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        Throwable thrown = catchThrowable(() -> HeldWrite.write("test write", Duration.ofMillis(50), leaseEnds, () -> {
            tries.incrementAndGet();
            lastTry.set(System.nanoTime());
            throw failure("08006");
        }));
        assertThat(thrown).isInstanceOf(DataAccessException.class);
        assertThat(lastTry.get() - leaseEnds).as("no try after the lease's end").isLessThanOrEqualTo(0);
        assertThat(tries.get()).isBetween(2, 21);
    }

    @Test
    void anInterruptEndsTheTriesAndIsKept() {
        Thread.currentThread().interrupt();
        try {
            assertThat(catchThrowable(() -> HeldWrite.write("test write", EVERY,
                    System.nanoTime() + Duration.ofSeconds(10).toNanos(), () -> {
                        throw failure("57P01");
                    }))).isInstanceOf(DataAccessException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void whatCountsAsPassing() {
        assertThat(DatabaseFailures.mayPassLater(failure("40001"))).as("serialization failure").isTrue();
        assertThat(DatabaseFailures.mayPassLater(failure("40P01"))).as("deadlock").isTrue();
        assertThat(DatabaseFailures.mayPassLater(failure("57014"))).as("statement timeout").isTrue();
        assertThat(DatabaseFailures.mayPassLater(failure("08001"))).as("cannot connect").isTrue();
        assertThat(DatabaseFailures.mayPassLater(failure("08P01"))).as("protocol violation").isFalse();
        assertThat(DatabaseFailures.mayPassLater(failure("22021"))).as("bad input").isFalse();
        assertThat(DatabaseFailures.mayPassLater(failure(null))).as("no state").isFalse();
        assertThat(DatabaseFailures.unreachable(failure("40001"))).as("a refusal, not an outage").isFalse();
    }
}
