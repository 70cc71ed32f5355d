package io.vinbind.hil.bench;

import static io.vinbind.terminal.machine.BindingState.BOUND;
import static io.vinbind.terminal.machine.BindingState.OFF;
import static io.vinbind.terminal.machine.BindingState.READING_VIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.machine.StateTransition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TransitionLogTest {

    private static StateTransition t(BindingState from, BindingState to) {
        return new StateTransition(from, to, Instant.EPOCH, 1, from + " to " + to);
    }

    @Test
    void waits_only_for_events_after_the_mark() {
        TransitionLog log = new TransitionLog("t");
        log.onTransition(t(OFF, READING_VIN));
        log.onTransition(t(READING_VIN, BOUND));
        int mark = log.mark();
        BenchTimeoutException e = assertThrows(BenchTimeoutException.class,
                () -> log.awaitEnter(mark, BOUND, Duration.ofMillis(50)), "an old BOUND does not count");
        assertTrue(e.getMessage().contains("entering BOUND"), e.getMessage());

        CompletableFuture.runAsync(() -> {
            log.onTransition(t(BOUND, OFF));
            log.onTransition(t(OFF, READING_VIN));
            log.onTransition(t(READING_VIN, BOUND));
        });
        TransitionLog.Transition bound = log.awaitEnter(mark, BOUND, Duration.ofSeconds(5));
        assertEquals(READING_VIN, bound.from());
        assertEquals(List.of(OFF, READING_VIN, BOUND), log.statesSince(mark));
        assertEquals(BOUND, log.current());
    }

    @Test
    void timeout_names_the_transitions_seen() {
        TransitionLog log = new TransitionLog("bench-x");
        log.onTransition(t(OFF, READING_VIN));
        BenchTimeoutException e = assertThrows(BenchTimeoutException.class,
                () -> log.awaitResting(0, Duration.ofMillis(20)));
        assertTrue(e.getMessage().startsWith("bench-x: no a resting state"), e.getMessage());
        assertTrue(e.getMessage().contains("OFF -> READING_VIN"), e.getMessage());
    }

    @Test
    void hooks_run_when_the_state_is_entered_before_it_is_recorded_and_can_be_removed() {
        TransitionLog log = new TransitionLog("t");
        List<Integer> eventsSeenByHook = new ArrayList<>();
        TransitionLog.Hook hook = log.onEnter(READING_VIN, () -> eventsSeenByHook.add(log.mark()));
        log.onTransition(t(OFF, READING_VIN));
        hook.close();
        log.onTransition(t(READING_VIN, OFF));
        log.onTransition(t(OFF, READING_VIN));
        assertEquals(List.of(0), eventsSeenByHook, "ran once, before its own transition was recorded");
        assertSame(READING_VIN, log.current());
    }
}
