package io.vinbind.hil.bench;

import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.machine.BindDecision;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.machine.StateTransition;
import io.vinbind.terminal.machine.TerminalListener;
import io.vinbind.terminal.state.BoundIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.tinylog.Logger;

/**
 * Everything the terminal's state machine reported, in order, with the monotonic time it was seen: the
 * source of the demo's timeline and of every scenario's "which states, in which order" assertion.
 *
 * <p>Waiting is by position: {@link #mark()} returns the number of events so far and the {@code await…}
 * methods look only at events after a mark, so an old BOUND never satisfies a wait for a new one. Hooks
 * ({@link #onEnter}) run on the machine thread at the moment a state is entered, before the machine acts
 * in it; they must be quick and non-blocking (flip a fault switch, not wait for something).
 */
public final class TransitionLog implements TerminalListener {

    /** One thing the machine reported. */
    public sealed interface Event {
        /** Monotonic time it was seen ({@link System#nanoTime()}). */
        long nanos();
    }

    /** A state change. */
    public record Transition(StateTransition transition, long nanos) implements Event {
        public BindingState from() {
            return transition.from();
        }

        public BindingState to() {
            return transition.to();
        }

        public String cause() {
            return transition.cause();
        }
    }

    /** The decision whether to bind, taken once the VIN and the modem identity are known. */
    public record Decision(BindDecision decision, long nanos) implements Event {
    }

    /** A matching bind-ack cleared the flag. */
    public record Bound(BoundIdentity identity, BindOutcome outcome, long nanos) implements Event {
    }

    /** A registered hook; closing it removes it. */
    public interface Hook extends AutoCloseable {
        @Override
        void close();
    }

    private final String name;
    private final List<Event> events = new ArrayList<>(); // guarded by this
    private final Map<BindingState, List<Runnable>> hooks = new ConcurrentHashMap<>();

    public TransitionLog(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /**
     * Runs {@code action} on the machine thread each time {@code state} is entered, before the machine does
     * anything in it (e.g. make the network drop the ack the terminal is about to wait for). Returns a handle
     * that removes the hook.
     */
    public Hook onEnter(BindingState state, Runnable action) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(action, "action");
        hooks.computeIfAbsent(state, s -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(action);
        return () -> hooks.getOrDefault(state, List.of()).remove(action);
    }

    @Override
    public void onTransition(StateTransition t) {
        for (Runnable hook : hooks.getOrDefault(t.to(), List.of())) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                Logger.error(e, "{}: hook on entering {} failed", name, t.to());
            }
        }
        add(new Transition(t, System.nanoTime()));
    }

    @Override
    public void onDecision(BindDecision decision) {
        add(new Decision(decision, System.nanoTime()));
    }

    @Override
    public void onBound(BoundIdentity identity, BindOutcome outcome) {
        add(new Bound(identity, outcome, System.nanoTime()));
    }

    private synchronized void add(Event e) {
        events.add(e);
        notifyAll();
    }

    /** The number of events so far: a position to wait from. */
    public synchronized int mark() {
        return events.size();
    }

    /** All events so far. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Events after {@code mark}. */
    public synchronized List<Event> since(int mark) {
        return List.copyOf(events.subList(Math.min(mark, events.size()), events.size()));
    }

    /** The states entered after {@code mark}, in order. */
    public List<BindingState> statesSince(int mark) {
        return since(mark).stream().filter(e -> e instanceof Transition).map(e -> ((Transition) e).to()).toList();
    }

    /** The transitions after {@code mark}, in order. */
    public List<Transition> transitionsSince(int mark) {
        return since(mark).stream().filter(e -> e instanceof Transition).map(e -> (Transition) e).toList();
    }

    /** The bind outcomes (matching acks that cleared the flag) after {@code mark}. */
    public List<BindOutcome> outcomesSince(int mark) {
        return since(mark).stream().filter(e -> e instanceof Bound).map(e -> ((Bound) e).outcome()).toList();
    }

    /** The last state entered, OFF before any transition. */
    public synchronized BindingState current() {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i) instanceof Transition t) {
                return t.to();
            }
        }
        return BindingState.OFF;
    }

    /**
     * Waits until a transition after {@code mark} enters {@code state}.
     *
     * @throws BenchTimeoutException after {@code bound}, listing the transitions seen
     */
    public Transition awaitEnter(int mark, BindingState state, Duration bound) {
        return awaitTransition(mark, t -> t.to() == state, "entering " + state, bound);
    }

    /** Waits until a transition after {@code mark} enters one of the resting states (OFF, BOUND, SUSPENDED). */
    public Transition awaitResting(int mark, Duration bound) {
        return awaitTransition(mark, t -> t.to().isResting(), "a resting state (OFF, BOUND, SUSPENDED)", bound);
    }

    /** Waits for the first transition after {@code mark} that {@code test} accepts. */
    public Transition awaitTransition(int mark, Predicate<Transition> test, String what, Duration bound) {
        return (Transition) awaitEvent(mark, e -> e instanceof Transition t && test.test(t), what, bound);
    }

    /**
     * Waits for the next matching bind-ack after {@code mark} (the flag was cleared with that outcome). The
     * BOUND transition is reported just before it, so wait for this when the outcome matters.
     */
    public Bound awaitBindAck(int mark, Duration bound) {
        return (Bound) awaitEvent(mark, e -> e instanceof Bound, "matching bind-ack", bound);
    }

    /** Waits for the first event after {@code mark} that {@code test} accepts. */
    public Event awaitEvent(int mark, Predicate<Event> test, String what, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (this) {
            int seen = mark;
            while (true) {
                for (; seen < events.size(); seen++) {
                    if (test.test(events.get(seen))) {
                        return events.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new BenchTimeoutException(name + ": no " + what + " within " + bound.toMillis()
                            + " ms; transitions seen: " + describe(transitionsSince(mark)));
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BenchException(name + ": interrupted while waiting for " + what, e);
                }
            }
        }
    }

    /** The first transition after {@code mark} entering {@code state}, if any. */
    public Optional<Transition> firstEnter(int mark, BindingState state) {
        return transitionsSince(mark).stream().filter(t -> t.to() == state).findFirst();
    }

    /** {@code A -> B (cause)} per line, for failure messages. */
    public static String describe(List<Transition> transitions) {
        if (transitions.isEmpty()) {
            return "none";
        }
        return transitions.stream().map(t -> t.transition().toString()).collect(Collectors.joining("; "));
    }

    @Override
    public String toString() {
        return name + ": " + describe(transitionsSince(0));
    }
}
