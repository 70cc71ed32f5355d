package io.vinbind.terminal.machine;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A {@link MachineScheduler} whose clock only moves when the test says so. Tasks run on the test thread
 * inside {@link #runDue()} and {@link #advance(Duration)}, in due-time order (submission order for equal
 * times), so a test sees exactly the interleaving it scripts.
 */
final class ManualScheduler implements MachineScheduler {

    private static final int MAX_TASKS_PER_RUN = 100_000;

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private Instant now;
    private long sequence;

    ManualScheduler(Instant start) {
        this.now = start;
    }

    private static final class Task implements Comparable<Task> {
        final Instant due;
        final long seq;
        final Runnable body;
        boolean cancelled;

        Task(Instant due, long seq, Runnable body) {
            this.due = due;
            this.seq = seq;
            this.body = body;
        }

        @Override
        public int compareTo(Task o) {
            int c = due.compareTo(o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized void execute(Runnable task) {
        queue.add(new Task(now, sequence++, task));
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        Task t = new Task(now.plus(delay), sequence++, task);
        queue.add(t);
        return () -> {
            synchronized (ManualScheduler.this) {
                t.cancelled = true;
            }
        };
    }

    /** Runs every task due now, including tasks those tasks queue for now. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** Moves the clock forward by {@code d}, running each task when its due time is reached. */
    void advance(Duration d) {
        Instant target;
        synchronized (this) {
            target = now.plus(d);
        }
        for (int i = 0; i < MAX_TASKS_PER_RUN; i++) {
            Task t;
            synchronized (this) {
                t = queue.peek();
                if (t == null || t.due.isAfter(target)) {
                    now = target;
                    return;
                }
                queue.poll();
                if (t.due.isAfter(now)) {
                    now = t.due;
                }
                if (t.cancelled) {
                    continue;
                }
            }
            t.body.run();
        }
        throw new IllegalStateException("more than " + MAX_TASKS_PER_RUN + " tasks: a task loop");
    }

    /** Number of live (not cancelled) tasks waiting. */
    synchronized long pending() {
        return queue.stream().filter(t -> !t.cancelled).count();
    }
}
