package io.vinbind.terminal.port;

import io.vinbind.can.vehicle.PowerMode;
import java.util.function.Consumer;

/**
 * Where the vehicle's power mode comes from: the body controller's broadcast frame on CAN in a vehicle, a
 * file or stdin on a bench.
 */
public interface PowerModeSource extends AutoCloseable {

    /**
     * Starts delivering power modes to {@code sink} (on any thread). Sources may deliver the same mode
     * repeatedly (a CAN broadcast repeats every cycle); the machine acts on changes only.
     */
    void start(Consumer<PowerMode> sink) throws Exception;

    /** Stops delivering; idempotent. */
    @Override
    void close();
}
