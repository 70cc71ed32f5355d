package io.vinbind.hil.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.terminal.state.FlagReason;
import io.vinbind.terminal.state.StateReading;
import io.vinbind.terminal.state.VinRequest;
import io.vinbind.terminal.state.TerminalState;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.tinylog.Logger;

/** What every scenario needs: the backends to run on, fresh identities, bench builders with skip reasons. */
final class ScenarioSupport {

    /** Bound of one binding on the bench (the simulators answer at once; retries need a few seconds). */
    static final Duration BIND_BOUND = Duration.ofSeconds(25);
    /** Bound of a single state change. */
    static final Duration STEP_BOUND = Duration.ofSeconds(10);

    /** Seed of every identity of this run: printed, and settable with -Dvinbind.hil.seed to repeat a run. */
    static final long SEED = Long.getLong("vinbind.hil.seed", System.currentTimeMillis());
    static final Identities IDS = new Identities(SEED);

    static {
        Logger.info("scenario identities from seed {} (repeat with -Dvinbind.hil.seed={})", SEED, SEED);
    }

    private ScenarioSupport() {
    }

    /** The server backends the key scenarios run on. */
    static Stream<ServerBackend> backends() {
        return Stream.of(ServerBackend.EMBEDDED, ServerBackend.MOSQUITTO_POSTGRES);
    }

    /**
     * A bench on {@code backend}'s shared server with real transports (SLCAN and AT over pty pairs), fresh
     * identities; the test reports itself skipped (with the reason) where socat, Mosquitto or PostgreSQL
     * is missing.
     */
    static Bench.Builder bench(ServerBackend backend, Servers servers) {
        return bench(backend, servers, CanTransport.SLCAN_PTY, ModemTransport.PTY);
    }

    static Bench.Builder bench(ServerBackend backend, Servers servers, CanTransport can, ModemTransport modem) {
        assumeAvailable(backend.unavailableReason());
        assumeAvailable(can.unavailableReason());
        assumeAvailable(modem.unavailableReason());
        servers.contention(backend).ifPresent(c -> assumeAvailable("skipped: " + c));
        return Bench.builder().server(servers.get(backend)).identities(IDS).seed(SEED).can(can).modem(modem);
    }

    static void assumeAvailable(String reason) {
        assumeTrue(reason == null, () -> reason);
    }

    /** The persisted terminal state; fails when the file is missing or corrupt. */
    static TerminalState state(Bench bench) {
        StateReading r = bench.readState();
        assertEquals(StateReading.Present.class, r.getClass(), () -> "state file " + bench.stateFile() + ": " + r);
        return ((StateReading.Present) r).state();
    }

    /**
     * The VIN-request flag as the daemon would load it from disk: a missing state file is a terminal fresh
     * from assembly (flag set, ASSEMBLY: the daemon does not write a file just to say so), a corrupt one
     * means STATE_UNREADABLE.
     */
    static Optional<FlagReason> flagOnDisk(Bench bench) {
        StateReading r = bench.readState();
        if (r instanceof StateReading.Missing) {
            return Optional.of(FlagReason.ASSEMBLY);
        }
        if (r instanceof StateReading.Present p) {
            return p.state().vinRequest().map(VinRequest::reason);
        }
        return Optional.of(FlagReason.STATE_UNREADABLE);
    }
}
