package dev.marketplace.sdk;

import java.time.Duration;

/** Waits between retries; a seam so that tests can record the waits instead of spending them. */
@FunctionalInterface
interface Sleeper {

    Sleeper REAL = Thread::sleep;

    void sleep(Duration duration) throws InterruptedException;
}
