package io.vinbind.terminal.machine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * {@link MachineScheduler} on a single-threaded {@link ScheduledThreadPoolExecutor}. Timestamps come
 * from the injected {@link Clock}; delays are measured on the monotonic clock so that a wall-clock step
 * (NTP, GNSS time arriving after boot) neither fires nor stalls a timeout. A task that throws is logged
 * and the thread carries on: one bug must not silently stop the terminal.
 */
public final class ExecutorMachineScheduler implements MachineScheduler, AutoCloseable {

    private final Clock clock;
    private final ScheduledThreadPoolExecutor executor;

    public ExecutorMachineScheduler(Clock clock, String threadName) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
            return t;
        });
        this.executor.setRemoveOnCancelPolicy(true);
        this.executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public void execute(Runnable task) {
        if (executor.isShutdown()) {
            Logger.debug("scheduler closed; task dropped");
            return;
        }
        executor.execute(guarded(task));
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        if (executor.isShutdown()) {
            Logger.debug("scheduler closed; timer dropped");
            return () -> { };
        }
        ScheduledFuture<?> f = executor.schedule(guarded(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    /** Runs {@code task} on the machine thread and waits for it, at most {@code timeout}. */
    public boolean runAndWait(Runnable task, Duration timeout) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        execute(() -> {
            try {
                task.run();
            } finally {
                done.countDown();
            }
        });
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the thread after the queued tasks, waiting at most {@code timeout}. */
    public void close(Duration timeout) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Logger.warn("machine thread did not stop within {}; interrupting it", timeout);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                Logger.error(e, "terminal machine task failed");
            }
        };
    }
}
