package dev.marketplace.sdk;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running {@link Feed#follow}: stop it with {@link #stop()} (returns at once) or {@link #close()} (waits until the
 * page in hand is handled and its cursor saved). A follower is never interrupted inside the handler.
 */
public final class FeedFollower implements AutoCloseable {

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Thread thread;
    private volatile Exception failure;

    private FeedFollower(String threadName, Consumer<FeedFollower> loop) {
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(() -> {
            try {
                loop.accept(this);
            } catch (RuntimeException e) { // thrown by the handler's onFailure: the follower ends, and says why
                failed(e);
            }
        });
    }

    static FeedFollower start(String threadName, Consumer<FeedFollower> loop) {
        FeedFollower follower = new FeedFollower(threadName, loop);
        follower.thread.start();
        return follower;
    }

    /** Asks the follower to stop after the page in hand; a wait between polls ends at once. */
    public void stop() {
        stopRequested.countDown();
    }

    /** Stops the follower and waits until it has. */
    @Override
    public void close() throws InterruptedException {
        stop();
        thread.join();
    }

    /** Waits up to {@code timeout} for the follower to end (stopped, or failed on its own); true when it has. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }

    /** Whether the follower still reads the feed (neither stopped nor failed). */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /**
     * Why the follower stopped on its own: an answer that retrying cannot change, such as 403, or an exception
     * thrown by {@link FeedHandler#onFailure}.
     */
    public Optional<Exception> failure() {
        return Optional.ofNullable(failure);
    }

    boolean stopRequested() {
        return stopRequested.getCount() == 0;
    }

    void failed(Exception e) {
        failure = e;
    }

    void waitUnlessStopped(Duration wait) {
        try {
            stopRequested.await(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
    }
}
