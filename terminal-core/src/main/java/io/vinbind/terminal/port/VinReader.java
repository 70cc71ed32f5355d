package io.vinbind.terminal.port;

import java.util.concurrent.CompletableFuture;

/**
 * Reads the VIN the vehicle's smart-key (keyless) ECU holds: UDS ReadDataByIdentifier 0xF190
 * (ISO 14229-1) over ISO-TP (ISO 15765-2) on a real bus.
 */
public interface VinReader {

    /**
     * One read. Completes with the VIN text as the ECU sent it, with any padding (0x00, 0x20, 0xFF after
     * the 17 characters) removed but otherwise unjudged — the machine validates it — or exceptionally with
     * {@link VinReadException}.
     */
    CompletableFuture<String> readVin();
}
