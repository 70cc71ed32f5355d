/**
 * The terminal daemon: {@link io.vinbind.terminal.daemon.TerminalDaemon} wires the machine to the adapters
 * from a configuration, locks the data directory, and can be embedded (builder, listeners, start/close).
 */
package io.vinbind.terminal.daemon;
