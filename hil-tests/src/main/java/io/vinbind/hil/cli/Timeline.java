package io.vinbind.hil.cli;

import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.terminal.machine.BindDecision;
import java.util.ArrayList;
import java.util.List;

/** Renders what the terminal reported as a readable timeline: one line per event, milliseconds since a start. */
final class Timeline {

    private Timeline() {
    }

    /** Lines for {@code events}, with elapsed time measured from {@code t0Nanos} ({@link System#nanoTime()}). */
    static List<String> lines(List<TransitionLog.Event> events, long t0Nanos) {
        List<String> out = new ArrayList<>();
        for (TransitionLog.Event e : events) {
            long ms = Math.max(0, (e.nanos() - t0Nanos) / 1_000_000);
            String what;
            if (e instanceof TransitionLog.Transition t) {
                what = String.format("%-17s %s", t.to(), t.cause());
            } else if (e instanceof TransitionLog.Decision d) {
                BindDecision decision = d.decision();
                what = decision.mustBind()
                        ? String.format("%-17s flag SET, reason %s: %s", "decision", decision.reason().get(),
                                decision.explanation())
                        : String.format("%-17s no binding needed: %s", "decision", decision.explanation());
            } else {
                TransitionLog.Bound b = (TransitionLog.Bound) e;
                what = String.format("%-17s flag CLEARED: server says %s for VIN %s <-> IMSI %s", "bound", b.outcome(),
                        b.identity().vin(), b.identity().imsi());
            }
            out.add(String.format("  %+7d ms  %s", ms, what));
        }
        return out;
    }
}
