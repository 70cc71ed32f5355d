package io.vinbind.terminal.port;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import java.util.concurrent.CompletableFuture;

/**
 * The connection to the binding server (MQTT 5 over the modem's data context in production). Acks arrive
 * through {@link Listener} rather than as replies because an ack may be late, duplicated, or answer an
 * older request; the machine decides which ack it is waiting for.
 */
public interface BindingUplink {

    /**
     * Connects as the terminal with this IMSI (clean session) and subscribes to its ack topics. Completes
     * when publishing and receiving acks can start; fails with {@link UplinkException}
     * (BROKER_UNREACHABLE, ...). Connecting while connected reconnects cleanly.
     */
    CompletableFuture<Void> connect(String imsi);

    /** Publishes a login (QoS 1); completes when the broker accepted it. */
    CompletableFuture<Void> publishLogin(LoginRequest request);

    /** Publishes a bind request (QoS 1); completes when the broker accepted it. */
    CompletableFuture<Void> publishBind(BindRequest request);

    /** Disconnects if connected; idempotent, bounded, never throws. */
    void disconnect();

    /** Registers the one listener for acks and connection loss. Called on any thread. */
    void setListener(Listener listener);

    /** What the server sends, and the connection dropping. */
    interface Listener {
        void loginAck(LoginAck ack);

        void bindAck(BindAck ack);

        /** The connection dropped after {@link #connect} had completed. */
        void connectionLost(Throwable cause);
    }
}
