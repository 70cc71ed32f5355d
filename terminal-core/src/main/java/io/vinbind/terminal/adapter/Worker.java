package io.vinbind.terminal.adapter;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * One daemon thread that runs an adapter's blocking calls (UDS, AT commands) so the state machine's
 * thread never blocks. Cancelling a returned future interrupts the call; the call's own bounds (UDS P2 and
 * overall timeout, AT command timeouts) end it in any case.
 */
final class Worker implements AutoCloseable {

    /** A blocking call that may throw anything checked. */
    @FunctionalInterface
    interface Call<T> {
        T call() throws Exception;
    }

    private final ExecutorService executor;

    Worker(String threadName) {
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
            return t;
        });
    }

    /** Runs {@code call}; a failure completes the future with {@code mapper}'s typed exception. */
    <T> CompletableFuture<T> submit(Call<T> call, Function<Exception, Exception> mapper) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Callable<Void> task = () -> {
            try {
                result.complete(call.call());
            } catch (InterruptedException e) {
                result.cancel(false);
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                throw e;
            } catch (Exception e) {
                result.completeExceptionally(mapper.apply(e));
            } catch (Error e) {
                result.completeExceptionally(e);
                throw e;
            }
            return null;
        };
        Future<Void> running;
        try {
            running = executor.submit(task);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("adapter closed", e));
            return result;
        }
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) {
                running.cancel(true);
            }
        });
        return result;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                Logger.warn("adapter worker did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
