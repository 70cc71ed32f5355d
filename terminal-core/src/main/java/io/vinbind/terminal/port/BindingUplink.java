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
 *
 * <p>An uplink speaks for exactly one terminal, {@link #terminalId()}: the identity it authenticates as (the
 * CN of its certificate over mutual TLS). The broker keys the terminal's topics by that identity
 * ({@code vinbind/v2/{terminalId}/…}) and the server checks that every payload names it, so the machine
 * writes it into every request and accepts only acks that echo it.
 */
public interface BindingUplink {

    /**
     * The terminal id this uplink authenticates as and publishes for (protocol v2's {@code terminalId}, the
     * topics' second level). Fixed for the uplink's lifetime; never null.
     */
    String terminalId();

    /**
     * Connects as {@link #terminalId()} (clean session) and subscribes to its ack topics. Completes when
     * publishing and receiving acks can start; fails with {@link UplinkException} (BROKER_UNREACHABLE,
     * BROKER_CERTIFICATE_REFUSED, ...). Connecting while connected reconnects cleanly.
     */
    CompletableFuture<Void> connect();

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
