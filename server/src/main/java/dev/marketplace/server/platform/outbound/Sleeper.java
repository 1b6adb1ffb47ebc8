package dev.marketplace.server.platform.outbound;

import java.time.Duration;

/** Waits between attempts; tests substitute one that records the wait instead of sleeping. */
@FunctionalInterface
interface Sleeper {

    Sleeper THREAD_SLEEP = Thread::sleep;

    void sleep(Duration duration) throws InterruptedException;
}
