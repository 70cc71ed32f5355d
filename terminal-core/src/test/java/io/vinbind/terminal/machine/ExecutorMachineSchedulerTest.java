package io.vinbind.terminal.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExecutorMachineSchedulerTest {

    @Test
    void runs_tasks_in_order_on_one_thread_and_survives_a_task_that_throws() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ExecutorMachineScheduler s = new ExecutorMachineScheduler(Clock.systemUTC(), "machine-test")) {
            s.execute(() -> seen.add("1 " + Thread.currentThread().getName()));
            s.execute(() -> {
                throw new IllegalStateException("bug in a task");
            });
            s.execute(() -> seen.add("2 " + Thread.currentThread().getName()));
            assertTrue(s.runAndWait(() -> { }, Duration.ofSeconds(5)));
        }
        assertEquals(List.of("1 machine-test", "2 machine-test"), seen);
    }

    @Test
    void cancelled_timer_never_runs_and_due_timer_does() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        try (ExecutorMachineScheduler s = new ExecutorMachineScheduler(Clock.systemUTC(), "machine-test")) {
            MachineScheduler.Cancellable c = s.schedule(Duration.ofMillis(50), () -> seen.add("cancelled"));
            c.cancel();
            s.schedule(Duration.ofMillis(100), () -> {
                seen.add("due");
                fired.countDown();
            });
            assertTrue(fired.await(5, TimeUnit.SECONDS));
        }
        assertEquals(List.of("due"), seen);
    }

    @Test
    void time_comes_from_the_injected_clock() {
        Instant fixed = Instant.parse("2026-11-22T12:00:00Z");
        try (ExecutorMachineScheduler s = new ExecutorMachineScheduler(Clock.fixed(fixed, ZoneOffset.UTC), "t")) {
            assertEquals(fixed, s.now());
        }
    }
}
