package io.vinbind.terminal.machine;

import java.time.Duration;
import java.time.Instant;

/**
 * The machine's one thread and its sense of time. Everything the {@link BindingMachine} does runs as a
 * task here, one at a time, in submission order; so the machine needs no locks. Production uses
 * {@link ExecutorMachineScheduler}; tests use a manual scheduler whose clock they advance.
 */
public interface MachineScheduler {

    /** The current time (from the injected clock). */
    Instant now();

    /** Runs {@code task} on the machine thread after the tasks already queued. Callable from any thread. */
    void execute(Runnable task);

    /** Runs {@code task} on the machine thread once {@code delay} has passed. Callable from any thread. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that may be cancelled; cancelling a task that already ran does nothing. */
    interface Cancellable {
        void cancel();
    }
}
