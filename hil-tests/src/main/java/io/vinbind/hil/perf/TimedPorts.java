package io.vinbind.hil.perf;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.terminal.port.BindingUplink;
import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.port.ModemPort;
import io.vinbind.terminal.port.VinReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Decorators of the terminal's ports that note how long the machine waited on each party: the bus (a VIN
 * read: UDS over ISO-TP over SLCAN, the ECU simulator's answer), the modem (SIM, identities, registration,
 * data context over AT), the broker (MQTT connect and subscribe) and the server (publish to matching ack).
 * The machine runs on one thread and waits on one thing at a time, so the waits add up without overlap;
 * whatever is left of ACC-to-flag-cleared is the terminal's own time.
 */
final class TimedPorts {

    /** {@link Wait#what()} of the MQTT disconnect the machine makes after the flag was saved. */
    static final String DISCONNECT = "disconnect";

    /** Who the terminal waited on. */
    enum Party { BUS, MODEM, BROKER, SERVER }

    /** One wait, in {@link System#nanoTime()} terms. */
    record Wait(Party party, String what, long start, long end) {
        Wait {
            Objects.requireNonNull(party, "party");
            Objects.requireNonNull(what, "what");
        }

        long nanos() {
            return end - start;
        }
    }

    private final List<Wait> waits = new ArrayList<>(); // guarded by this

    synchronized void clear() {
        waits.clear();
    }

    synchronized List<Wait> waits() {
        return List.copyOf(waits);
    }

    private synchronized void add(Party p, String what, long start) {
        waits.add(new Wait(p, what, start, System.nanoTime()));
    }

    private <T> CompletableFuture<T> timed(Party p, String what, CompletableFuture<T> f, long start) {
        return f.whenComplete((v, e) -> add(p, what, start));
    }

    VinReader vinReader(VinReader delegate) {
        return () -> {
            long t = System.nanoTime();
            return timed(Party.BUS, "VIN read", delegate.readVin(), t);
        };
    }

    ModemPort modem(ModemPort delegate) {
        return new ModemPort() {
            @Override
            public CompletableFuture<ModemIdentity> identify() {
                long t = System.nanoTime();
                return timed(Party.MODEM, "identify", delegate.identify(), t);
            }

            @Override
            public CompletableFuture<Void> attach() {
                long t = System.nanoTime();
                return timed(Party.MODEM, "attach", delegate.attach(), t);
            }

            @Override
            public void setListener(ModemEvents listener) {
                delegate.setListener(listener);
            }
        };
    }

    BindingUplink uplink(BindingUplink delegate) {
        return new BindingUplink() {
            private volatile long loginSent;
            private volatile long bindSent;

            @Override
            public String terminalId() {
                return delegate.terminalId();
            }

            @Override
            public CompletableFuture<Void> connect() {
                long t = System.nanoTime();
                return timed(Party.BROKER, "connect", delegate.connect(), t);
            }

            @Override
            public CompletableFuture<Void> publishLogin(LoginRequest request) {
                loginSent = System.nanoTime();
                return delegate.publishLogin(request);
            }

            @Override
            public CompletableFuture<Void> publishBind(BindRequest request) {
                bindSent = System.nanoTime();
                return delegate.publishBind(request);
            }

            @Override
            public void disconnect() {
                long t = System.nanoTime();
                delegate.disconnect();
                add(Party.BROKER, DISCONNECT, t);
            }

            @Override
            public void setListener(Listener listener) {
                delegate.setListener(new Listener() {
                    @Override
                    public void loginAck(LoginAck ack) {
                        add(Party.SERVER, "login round trip", loginSent);
                        listener.loginAck(ack);
                    }

                    @Override
                    public void bindAck(BindAck ack) {
                        add(Party.SERVER, "bind round trip", bindSent);
                        listener.bindAck(ack);
                    }

                    @Override
                    public void connectionLost(Throwable cause) {
                        listener.connectionLost(cause);
                    }
                });
            }
        };
    }
}
