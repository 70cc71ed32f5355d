/**
 * The terminal's ports: what the binding state machine needs from the vehicle, the modem and the server,
 * as interfaces it owns. Adapters in {@code io.vinbind.terminal.adapter} implement them with can-bus,
 * modem-at and Eclipse Paho; tests implement them with scripted fakes.
 *
 * <p>Every operation that waits returns a {@link java.util.concurrent.CompletableFuture} instead of
 * blocking, so the machine's single thread never blocks and can react to power OFF at once. The machine
 * bounds every wait with its own timer and cancels the future when the wait ends early (OFF, timeout);
 * adapters propagate that cancellation (interrupting a blocked read, for example). Adapters should still
 * bound their own I/O. Failures complete the future exceptionally with the port's typed exception.
 */
package io.vinbind.terminal.port;
