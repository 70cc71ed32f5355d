package io.vinbind.hil.bench;

import io.vinbind.modem.Apn;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.link.SerialLink;
import io.vinbind.terminal.adapter.AtModemPort;
import io.vinbind.terminal.config.ConfigException;
import io.vinbind.terminal.config.TerminalConfig;
import io.vinbind.terminal.daemon.TerminalDaemon;
import io.vinbind.terminal.daemon.TerminalStartException;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.machine.TerminalListener;
import io.vinbind.terminal.state.TerminalState;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.Random;
import org.tinylog.Logger;

/**
 * terminal-core's real daemon ({@link TerminalDaemon}) run inside the bench's JVM, configured from the same
 * {@code terminal.properties} keys a head unit uses ({@link Bench#terminalProperties()}), so the bench
 * exercises the daemon's configuration, CAN, AT and MQTT wiring as shipped. Only the process boundary is
 * missing; a crash test runs {@code ./vinbind terminal run} as a process against the same bench instead.
 *
 * <p>With the in-JVM modem transport there is no serial device to name in {@code modem.port}: the bench
 * then hands the daemon an AT modem port built on the in-memory link, through the daemon's builder.
 */
public final class BenchTerminal implements AutoCloseable {

    /** The APN the bench's modem is given (China Mobile's public APN; the simulator accepts any). */
    public static final Apn APN = Apn.of("cmnet");

    private final String name;
    private final TerminalDaemon daemon;
    private final Deque<AutoCloseable> extras;

    private BenchTerminal(String name, TerminalDaemon daemon, Deque<AutoCloseable> extras) {
        this.name = name;
        this.daemon = daemon;
        this.extras = extras;
    }

    /**
     * Starts the daemon.
     *
     * @param properties {@code terminal.properties} content (paths absolute)
     * @param modemLink  an open in-memory AT link to use instead of {@code modem.port}, or null
     * @param listener   receives every transition, decision and bind, from the first one
     * @throws BenchException when the configuration is refused or the daemon does not start
     */
    static BenchTerminal start(String name, Properties properties, SerialLink modemLink, long seed,
            TerminalListener listener) {
        TerminalConfig config;
        try {
            config = TerminalConfig.fromProperties(properties, Path.of("").toAbsolutePath());
        } catch (ConfigException e) {
            throw new BenchException(name + ": the daemon refused the bench's terminal.properties: " + e.getMessage(), e);
        }
        Deque<AutoCloseable> extras = new ArrayDeque<>();
        TerminalDaemon.Builder builder = TerminalDaemon.builder(config).listener(listener).random(new Random(seed));
        TerminalDaemon daemon = null;
        boolean ok = false;
        try {
            if (modemLink != null) {
                Modem modem = Modem.attach(AtEngine.start(modemLink), ModemConfig.DEFAULT);
                extras.push(modem);
                AtModemPort port = new AtModemPort(modem, config.apn(), config.simReady(), config.registration());
                extras.push(port);
                builder.modem(port);
            }
            daemon = builder.build();
            daemon.start();
            ok = true;
        } catch (AtException e) {
            throw new BenchException(name + ": the in-JVM modem did not answer: " + e.getMessage(), e);
        } catch (TerminalStartException e) {
            throw new BenchException(name + ": the terminal daemon did not start: " + e.getMessage(), e);
        } finally {
            if (!ok) {
                if (daemon != null) {
                    daemon.close();
                }
                closeAll(name, extras);
            }
        }
        Logger.info("{}: terminal daemon running: {}", name, config);
        return new BenchTerminal(name, daemon, extras);
    }

    /** The daemon (service requests, listeners, configuration). */
    public TerminalDaemon daemon() {
        return daemon;
    }

    /** The machine's current state (a snapshot). */
    public BindingState state() {
        return daemon.state();
    }

    /** The terminal state as the machine holds it. */
    public TerminalState terminalState() {
        return daemon.terminalState();
    }

    /** Stops the daemon (any attempt aborted, flag kept), then what the bench handed it. */
    @Override
    public void close() {
        daemon.close();
        closeAll(name, extras);
        Logger.info("{}: terminal daemon stopped", name);
    }

    private static void closeAll(String name, Deque<AutoCloseable> parts) {
        while (!parts.isEmpty()) {
            AutoCloseable c = parts.pop();
            try {
                c.close();
            } catch (Exception e) {
                Logger.warn(e, "{}: stopping {} failed", name, c.getClass().getSimpleName());
            }
        }
    }
}
