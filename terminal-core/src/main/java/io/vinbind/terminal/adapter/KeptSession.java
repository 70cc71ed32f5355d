package io.vinbind.terminal.adapter;

import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.terminal.port.BindingUplink;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The terminal's one MQTT session, kept while the vehicle is powered so that the server can reach it (the eSIM relay's
 * batches arrive on {@code vinbind/v2/{terminalId}/esim/batch}); the binding machine uses the same session. The broker
 * allows one session per client id, and the client id is the terminal id, so binding and relay cannot each have
 * their own.
 *
 * <ul>
 *   <li>For the machine it is a {@link BindingUplink}: {@link #connect()} completes at once while the session is up
 *       (it was started clean and is subscribed to the ack topics already), and {@link #disconnect()} only says the
 *       machine is done with it; the session stays while powered.</li>
 *   <li>While powered and the machine rests ({@link #machineResting}), a lost or never made connection is made again
 *       after a backoff of 1 s doubling to 30 s, with jitter.</li>
 *   <li>At power OFF ({@link #powerOff()}) the session ends with a clean DISCONNECT (reason 0x00, MQTT 5 §3.14), after
 *       the relay's last answers. An unclean loss (a crash, the supply cut) leaves the broker to notice it after 1.5
 *       keep-alive intervals (MQTT 5 §3.1.2.10); the server's relay client sees it as batches that time out.</li>
 * </ul>
 */
public final class KeptSession implements BindingUplink, AutoCloseable {

    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final MqttBindingUplink inner;
    private final Duration connectTimeout;
    private final ScheduledExecutorService keeper;
    private final Object lock = new Object();
    private boolean keeping; // guarded by lock: powered
    private boolean resting; // guarded by lock: the machine does not need the session now
    private CompletableFuture<Void> connecting; // guarded by lock
    private ScheduledFuture<?> retry; // guarded by lock
    private Duration backoff = FIRST_BACKOFF; // guarded by lock
    private volatile Listener machineListener;

    public KeptSession(MqttBindingUplink inner, Duration connectTimeout) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vinbind-session");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
            return t;
        });
        inner.setListener(new Listener() {
            @Override
            public void loginAck(io.vinbind.protocol.LoginAck ack) {
                Listener l = machineListener;
                if (l != null) {
                    l.loginAck(ack);
                }
            }

            @Override
            public void bindAck(io.vinbind.protocol.BindAck ack) {
                Listener l = machineListener;
                if (l != null) {
                    l.bindAck(ack);
                }
            }

            @Override
            public void connectionLost(Throwable cause) {
                Listener l = machineListener;
                if (l != null) {
                    l.connectionLost(cause);
                }
                scheduleKeep("connection lost");
            }
        });
    }

    /** The uplink underneath (relay subscription, result publishing). */
    public MqttBindingUplink uplink() {
        return inner;
    }

    @Override
    public String terminalId() {
        return inner.terminalId();
    }

    @Override
    public CompletableFuture<Void> connect() {
        CompletableFuture<Void> shared;
        synchronized (lock) {
            if (inner.isConnected()) {
                return CompletableFuture.completedFuture(null);
            }
            if (connecting == null || connecting.isDone()) {
                connecting = inner.connect();
                CompletableFuture<Void> c = connecting;
                // the connect is shared; whoever started it, it ends within the bound
                keeper.schedule(() -> {
                    if (!c.isDone()) {
                        c.cancel(true);
                    }
                }, connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
                c.whenComplete((v, e) -> {
                    if (e == null) {
                        synchronized (lock) {
                            backoff = FIRST_BACKOFF;
                        }
                    } else {
                        scheduleKeep("connect failed: " + e.getMessage());
                    }
                });
            }
            shared = connecting;
        }
        // the machine cancels its copy on its own timeout or at power OFF; the shared connect is bounded above
        return shared.thenApply(v -> v);
    }

    @Override
    public CompletableFuture<Void> publishLogin(LoginRequest request) {
        return inner.publishLogin(request);
    }

    @Override
    public CompletableFuture<Void> publishBind(BindRequest request) {
        return inner.publishBind(request);
    }

    /** Publishes a relay result on the session. */
    public CompletableFuture<Void> publishResult(EsimResult result) {
        return inner.publishResult(result);
    }

    /** The machine is done with the session; it stays up while powered (and goes when not). */
    @Override
    public void disconnect() {
        boolean drop;
        synchronized (lock) {
            drop = !keeping;
        }
        if (drop) {
            inner.disconnect();
        }
    }

    @Override
    public void setListener(Listener listener) {
        this.machineListener = Objects.requireNonNull(listener, "listener");
    }

    /** Power ON (ACC/ON/START): keep the session from now on. */
    public void powerOn() {
        synchronized (lock) {
            keeping = true;
            backoff = FIRST_BACKOFF;
        }
    }

    /**
     * Whether the binding machine is resting (BOUND, SUSPENDED): then this keeps the session up by itself. While the
     * machine works, it connects when its steps need it.
     */
    public void machineResting(boolean now) {
        synchronized (lock) {
            resting = now;
        }
        if (now) {
            scheduleKeep("machine resting");
        }
    }

    /** Power OFF: stop keeping and end the session with a clean DISCONNECT. */
    public void powerOff() {
        synchronized (lock) {
            keeping = false;
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
        }
        inner.disconnect();
    }

    private void scheduleKeep(String why) {
        synchronized (lock) {
            if (!keeping || !resting || keeper.isShutdown() || (retry != null && !retry.isDone())) {
                return;
            }
            long delay = inner.isConnected() ? 0 : jittered(backoff);
            if (!inner.isConnected()) {
                Logger.info("session: {}; connecting again in {} ms", why, delay);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
            retry = keeper.schedule(this::keep, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void keep() {
        synchronized (lock) {
            retry = null;
            if (!keeping || !resting || inner.isConnected()) {
                return;
            }
        }
        connect();
    }

    private static long jittered(Duration d) {
        long ms = d.toMillis();
        return ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1);
    }

    @Override
    public void close() {
        powerOff();
        keeper.shutdownNow();
        inner.close();
    }
}
