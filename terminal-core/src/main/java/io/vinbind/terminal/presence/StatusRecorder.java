package io.vinbind.terminal.presence;

import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.StatusAck;
import io.vinbind.protocol.StatusReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import org.tinylog.Logger;

/**
 * Status records in a bounded local store, sent in batches at the server-set send interval.
 *
 * <ul>
 *   <li>A record is taken with every heartbeat and at every power change: its time, the power mode, the binding
 *       state (the facts the daemon hands in).</li>
 *   <li>The store holds at most the server-set {@code storageRecords}; when full, the oldest go first and are
 *       counted, and the count travels with the next report ({@code dropped}).</li>
 *   <li>It is a file in the data directory, rewritten atomically on every change (temporary file, fsync, rename), so
 *       unsent records survive a restart; they keep the session they were taken in.</li>
 *   <li>Every send interval, while connected, the oldest records (up to 100, of one session) go out; they leave the
 *       store only when the server's answer says they are stored, so a lost answer means they are sent again, and
 *       the server stores each once.</li>
 * </ul>
 */
public final class StatusRecorder {

    /** The store's file in the data directory. */
    public static final String FILE = "status-records.txt";

    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_]{0,31}");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9_.:+-]{0,64}");

    private final String terminalId;
    private final String session;
    private final Clock clock;
    private final Path file;
    private final Function<StatusReport, CompletableFuture<Void>> publisher;
    private final IntSupplier connection;
    private final Supplier<Duration> sendInterval;
    private final IntSupplier capacity;
    private final Object lock = new Object();
    /** Oldest first; each "session|record". Guarded by lock. */
    private final Deque<String> store = new ArrayDeque<>();
    private int dropped; // guarded by lock: since the last report the server took
    private int sequence; // guarded by lock
    private Instant lastSent; // guarded by lock
    private String inFlight; // guarded by lock: requestId of the report awaiting its answer
    private int inFlightCount; // guarded by lock
    private int inFlightDropped; // guarded by lock
    private Instant inFlightSince = Instant.MIN; // guarded by lock

    public StatusRecorder(String terminalId, String session, Clock clock, Path dataDir,
                          Function<StatusReport, CompletableFuture<Void>> publisher, IntSupplier connection,
                          Supplier<Duration> sendInterval, IntSupplier capacity) {
        this.terminalId = Objects.requireNonNull(terminalId, "terminalId");
        this.session = Objects.requireNonNull(session, "session");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.file = dataDir.resolve(FILE);
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.sendInterval = Objects.requireNonNull(sendInterval, "sendInterval");
        this.capacity = Objects.requireNonNull(capacity, "capacity");
        this.lastSent = clock.instant();
        load();
    }

    /** Takes a record of {@code facts} now (keys {@code [a-z][a-z0-9_]*}, values without spaces; others dropped). */
    public void record(Map<String, String> facts) {
        StringBuilder r = new StringBuilder();
        synchronized (lock) {
            sequence++;
            r.append("n=").append(sequence).append(";t=").append(clock.instant());
            facts.forEach((k, v) -> {
                if (KEY.matcher(k).matches() && v != null && VALUE.matcher(v).matches()) {
                    r.append(';').append(k).append('=').append(v);
                }
            });
            String rec = r.length() <= StatusReport.MAX_RECORD_CHARS ? r.toString()
                : r.substring(0, r.lastIndexOf(";", StatusReport.MAX_RECORD_CHARS));
            store.addLast(session + "|" + rec);
            trim();
            save();
        }
    }

    /** Sends the oldest records when the send interval has passed and the session is up. */
    public void tick() {
        StatusReport report;
        synchronized (lock) {
            Instant now = clock.instant();
            if (inFlight != null && now.isBefore(inFlightSince.plus(sendInterval.get()))) {
                return; // wait for the answer (or an interval, then send again)
            }
            if (store.isEmpty() || connection.getAsInt() < 0 || now.isBefore(lastSent.plus(sendInterval.get()))) {
                return;
            }
            String first = store.peekFirst();
            String batchSession = first.substring(0, first.indexOf('|'));
            List<String> records = new ArrayList<>();
            for (String line : store) {
                if (!line.startsWith(batchSession + "|") || records.size() == StatusReport.MAX_RECORDS) {
                    break;
                }
                records.add(line.substring(batchSession.length() + 1));
            }
            String id = "st-" + session + "-" + now.toEpochMilli();
            report = new StatusReport(Protocol.VERSION, id, terminalId, batchSession, records, dropped);
            inFlight = id;
            inFlightCount = records.size();
            inFlightDropped = dropped;
            inFlightSince = now;
            lastSent = now;
        }
        publisher.apply(report).whenComplete((v, e) -> {
            if (e != null) {
                Logger.info("presence: status report not sent ({}); it goes again", e.toString());
            }
        });
    }

    /** The server's answer: the records of the report it names leave the store. */
    public void ackArrived(byte[] payload) {
        StatusAck ack;
        try {
            ack = JsonCodec.decode(payload, StatusAck.class);
        } catch (ProtocolException e) {
            Logger.warn("presence: malformed status answer dropped: {}", e.getMessage());
            return;
        }
        synchronized (lock) {
            if (!ack.requestId().equals(inFlight)) {
                Logger.debug("presence: status answer {} is not for the report awaited", ack.requestId());
                return;
            }
            for (int i = 0; i < inFlightCount && !store.isEmpty(); i++) {
                store.removeFirst();
            }
            dropped = Math.max(0, dropped - inFlightDropped);
            inFlight = null;
            save();
        }
    }

    /** Records waiting to be sent. */
    public int pending() {
        synchronized (lock) {
            return store.size();
        }
    }

    /** Records dropped (the store full) and not yet reported. */
    public int dropped() {
        synchronized (lock) {
            return dropped;
        }
    }

    private void trim() {
        int cap = Math.max(1, capacity.getAsInt());
        while (store.size() > cap) {
            store.removeFirst();
            dropped++;
            if (inFlight != null && inFlightCount > 0) {
                inFlightCount--; // a record in flight left the store: do not remove a newer one for it
            }
        }
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            for (String line : lines) {
                if (line.startsWith("dropped=")) {
                    dropped = Integer.parseInt(line.substring(8));
                } else if (line.indexOf('|') > 0) {
                    store.addLast(line);
                }
            }
            trim();
            Logger.info("presence: {} unsent status records kept from before the restart ({} dropped)", store.size(),
                dropped);
        } catch (IOException | NumberFormatException e) {
            Logger.warn("presence: status store {} unreadable ({}); starting empty", file, e.toString());
            store.clear();
        }
    }

    private void save() {
        StringBuilder b = new StringBuilder("dropped=").append(dropped).append('\n');
        store.forEach(l -> b.append(l).append('\n'));
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the status store " + file + ": " + e.getMessage(), e);
        }
    }
}
