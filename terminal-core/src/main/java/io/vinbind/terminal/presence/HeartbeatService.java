package io.vinbind.terminal.presence;

import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.HeartbeatAck;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.Protocol;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.tinylog.Logger;

/**
 * Heartbeats while powered: one as soon as a connection is up (so the server marks the terminal online at once), then
 * one every heartbeat interval, which the server sets in each answer ({@link HeartbeatAck}; applied when its
 * {@code configVersion} differs from the one in use). At power OFF a last heartbeat says POWER_OFF before the session's
 * clean DISCONNECT; for an unclean end the session carries {@link #will()} as its MQTT Will (MQTT 5 §3.1.3.2), which
 * the broker publishes for it.
 *
 * <p>{@link #tick} is driven by the daemon about once a second; it only publishes when a heartbeat is due, so it is
 * cheap. Each daemon run is a new {@code session}, numbered from 1, so the server counts a redelivered heartbeat once.
 */
public final class HeartbeatService {

    /** Until the server says otherwise (its default, one a minute). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);
    /** How long the POWER_OFF heartbeat may take before the session ends anyway. */
    public static final Duration POWER_OFF_BOUND = Duration.ofSeconds(2);

    private final String terminalId;
    private final String session;
    private final Clock clock;
    private final Function<Heartbeat, CompletableFuture<Void>> publisher;
    /** A number that changes with every new connection; negative while not connected. */
    private final IntSupplier connection;
    private final Object lock = new Object();
    private boolean powered; // guarded by lock
    private int sequence; // guarded by lock
    private int sentOnConnection = Integer.MIN_VALUE; // guarded by lock
    private Instant lastSent = Instant.MIN; // guarded by lock
    private volatile Duration interval = DEFAULT_INTERVAL;
    private volatile Runnable onAlive = () -> { };
    private volatile HeartbeatAck limits;

    public HeartbeatService(String terminalId, Clock clock, Function<Heartbeat, CompletableFuture<Void>> publisher,
                            IntSupplier connection) {
        this.terminalId = Objects.requireNonNull(terminalId, "terminalId");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.session = "s-" + UUID.randomUUID().toString().substring(0, 18);
    }

    /** The Will the session registers at connect: LOST, sequence 0, this run's session. */
    public byte[] will() {
        return JsonCodec.encode(new Heartbeat(Protocol.VERSION, "will-" + session, terminalId, session, 0,
            PresenceState.LOST, appliedVersion()));
    }

    public void powerOn() {
        synchronized (lock) {
            powered = true;
        }
    }

    /** Sends the POWER_OFF heartbeat (if connected) and stops; completes when sent or after {@link #POWER_OFF_BOUND}. */
    public CompletableFuture<Void> powerOff() {
        Heartbeat last;
        synchronized (lock) {
            boolean was = powered;
            powered = false;
            if (!was || connection.getAsInt() < 0) {
                return CompletableFuture.completedFuture(null);
            }
            last = next(PresenceState.POWER_OFF);
        }
        return publisher.apply(last).orTimeout(POWER_OFF_BOUND.toMillis(), TimeUnit.MILLISECONDS)
            .exceptionally(e -> {
                Logger.info("presence: the POWER_OFF heartbeat did not go out ({}); the server notices by timeout", e.toString());
                return null;
            });
    }

    /** Publishes a heartbeat when one is due: on a new connection, or an interval after the last one. */
    public void tick() {
        Heartbeat hb;
        synchronized (lock) {
            int conn = connection.getAsInt();
            Instant now = clock.instant();
            if (!powered || conn < 0) {
                return;
            }
            if (conn == sentOnConnection && now.isBefore(lastSent.plus(interval))) {
                return;
            }
            sentOnConnection = conn;
            lastSent = now;
            hb = next(PresenceState.ALIVE);
        }
        publisher.apply(hb).whenComplete((v, e) -> {
            if (e != null) {
                Logger.info("presence: heartbeat {} not sent: {}", hb.sequence(), e.toString());
            }
        });
        onAlive.run();
    }

    /** Runs after each ALIVE heartbeat is handed to the session (the daemon takes a status record then). */
    public void onAlive(Runnable r) {
        this.onAlive = Objects.requireNonNull(r, "r");
    }

    /** Seconds between status reports, as the server set them (300 until it has). */
    public Duration sendInterval() {
        HeartbeatAck l = limits;
        return Duration.ofSeconds(l == null ? 300 : l.sendIntervalS());
    }

    /** Status records to keep unsent at most, as the server set them (500 until it has). */
    public int storageRecords() {
        HeartbeatAck l = limits;
        return l == null ? 500 : l.storageRecords();
    }

    private Heartbeat next(PresenceState state) {
        sequence++;
        return new Heartbeat(Protocol.VERSION, "hb-" + session + "-" + sequence, terminalId, session, sequence, state,
            appliedVersion());
    }

    /** An answer on {@code …/heartbeat/ack}: apply its limits when they are new. Malformed answers are logged and dropped. */
    public void ackArrived(byte[] payload) {
        HeartbeatAck ack;
        try {
            ack = JsonCodec.decode(payload, HeartbeatAck.class);
        } catch (ProtocolException e) {
            Logger.warn("presence: malformed heartbeat answer dropped: {}", e.getMessage());
            return;
        }
        if (!ack.terminalId().equals(terminalId)) {
            Logger.warn("presence: a heartbeat answer for terminal {} dropped", ack.terminalId());
            return;
        }
        HeartbeatAck current = limits;
        if (current == null || current.configVersion() != ack.configVersion()) {
            limits = ack;
            interval = Duration.ofSeconds(ack.heartbeatIntervalS());
            Logger.info("presence: limits version {}: heartbeat every {} s, status records every {} s, {} kept",
                ack.configVersion(), ack.heartbeatIntervalS(), ack.sendIntervalS(), ack.storageRecords());
        }
    }

    /** The interval in use. */
    public Duration interval() {
        return interval;
    }

    /** The limits in use, if the server has answered yet. */
    public java.util.Optional<HeartbeatAck> limits() {
        return java.util.Optional.ofNullable(limits);
    }

    public String session() {
        return session;
    }

    private int appliedVersion() {
        HeartbeatAck l = limits;
        return l == null ? 0 : l.configVersion();
    }
}
