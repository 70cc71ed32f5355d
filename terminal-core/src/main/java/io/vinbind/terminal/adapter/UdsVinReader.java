package io.vinbind.terminal.adapter;

import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsNegativeResponseException;
import io.vinbind.can.uds.UdsProtocolException;
import io.vinbind.can.uds.UdsTimeoutException;
import io.vinbind.terminal.port.VinReadException;
import io.vinbind.terminal.port.VinReader;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * {@link VinReader} with the can-bus module's {@link UdsClient}: ReadDataByIdentifier 0xF190 over ISO-TP
 * (ISO 14229-1, ISO 15765-2), padding stripped by the client, failures mapped to
 * {@link VinReadException.Kind}.
 */
public final class UdsVinReader implements VinReader, AutoCloseable {

    private final UdsClient client;
    private final Worker worker = new Worker("vinbind-uds");

    public UdsVinReader(UdsClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public CompletableFuture<String> readVin() {
        return worker.submit(client::readVin, UdsVinReader::map);
    }

    static Exception map(Exception e) {
        if (e instanceof UdsNegativeResponseException n) {
            return VinReadException.negativeResponse(n.response().nrcCode(), n.getMessage());
        }
        if (e instanceof UdsTimeoutException) {
            return new VinReadException(VinReadException.Kind.NO_RESPONSE, e.getMessage(), e);
        }
        if (e instanceof UdsProtocolException) {
            return new VinReadException(VinReadException.Kind.MALFORMED_RESPONSE, e.getMessage(), e);
        }
        return new VinReadException(VinReadException.Kind.BUS_ERROR, e.getMessage(), e);
    }

    @Override
    public void close() {
        worker.close();
    }
}
