package io.vinbind.terminal.relay;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.log.Untrusted;
import io.vinbind.protocol.BatchOutcome;
import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.RelayReason;
import io.vinbind.protocol.StopRule;
import io.vinbind.terminal.port.CardException;
import io.vinbind.terminal.port.CardPort;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * The terminal's side of the eSIM relay: runs the {@link EsimBatch}es a server sends, on the card behind the modem,
 * and answers each with an {@link EsimResult}.
 *
 * <ul>
 *   <li><b>At most once on the card</b> ({@link RelayStore}): a batch seen before is answered from the store; one that
 *       started and never finished is answered {@code FAILED/INTERRUPTED}; the result is durable before it is
 *       published.</li>
 *   <li><b>In order</b>: one thread runs batches as they arrive; a batch whose {@code sequence} is not the next of its
 *       session is refused {@code OUT_OF_ORDER} (0 opens a session).</li>
 *   <li><b>One owner of the AT port</b>: a batch runs as one {@link CardPort#exclusive} piece of work, serialised with
 *       the binding's modem steps; if it cannot start within {@link RelayConfig#modemWait()} it is refused
 *       {@code MODEM_BUSY}.</li>
 *   <li><b>Bounded</b>: a batch stops before its next APDU once its {@code timeoutMs} (at most
 *       {@link RelayConfig#maxBatch()}) has passed; the APDU in flight is bounded by the modem's deadline.</li>
 *   <li><b>Power OFF</b> stops the running batch before its next APDU ({@code FAILED/POWER_OFF} with the responses so
 *       far) and refuses what is queued ({@code REFUSED/POWER_OFF}); {@link #powerOff()} completes when those answers
 *       are out, so the session can be closed after them.</li>
 * </ul>
 *
 * <p>The channel to a session's AID stays open between its batches ({@link ChannelHandling#KEEP}): the ISD-R keeps a
 * download's state per channel. A batch of another session closes the previous session's channel first.
 */
public final class RelayService implements AutoCloseable {

    private final String terminalId;
    private final CardPort card;
    private final RelayStore store;
    private final RelayConfig config;
    private final Function<EsimResult, CompletableFuture<Void>> publisher;
    private final ExecutorService thread;
    private final AtomicInteger queued = new AtomicInteger();

    private volatile boolean powered;
    /** The publish of the latest answer (relay thread writes, power OFF waits for it). */
    private volatile CompletableFuture<Void> lastPublish = CompletableFuture.completedFuture(null);
    private volatile java.util.function.Consumer<CardPort.Refreshed> onRefresh = r -> { };
    /** The batch running now, for power OFF; null when none. */
    private volatile Running running;
    // owned by the relay thread
    private CardPort.Refreshed lastRefresh;
    private String openSession;
    private CardPort.Channel openChannel;

    private RelayService(String terminalId, CardPort card, RelayStore store, RelayConfig config,
                         Function<EsimResult, CompletableFuture<Void>> publisher) {
        this.terminalId = terminalId;
        this.card = card;
        this.store = store;
        this.config = config;
        this.publisher = publisher;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vinbind-relay");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
            return t;
        });
    }

    /**
     * @param dataDir the terminal's data directory (the store goes to {@code relay/} in it)
     * @param publisher publishes a result on the terminal's session; completes when the broker took it
     */
    public static RelayService open(String terminalId, CardPort card, Path dataDir, RelayConfig config,
                                    Function<EsimResult, CompletableFuture<Void>> publisher) throws IOException {
        return new RelayService(Objects.requireNonNull(terminalId, "terminalId"), Objects.requireNonNull(card, "card"),
            RelayStore.open(dataDir), Objects.requireNonNull(config, "config"), Objects.requireNonNull(publisher, "publisher"));
    }

    /**
     * Told the card's identity after a batch with {@link ChannelHandling#CLOSE_AND_REFRESH} refreshed it (on the relay
     * thread, after the batch's result is stored): the binding follows a changed IMSI from there.
     */
    public void onRefresh(java.util.function.Consumer<CardPort.Refreshed> listener) {
        this.onRefresh = Objects.requireNonNull(listener, "listener");
    }

    /** The vehicle's power mode; OFF stops the relay (see {@link #powerOff()}). */
    public void powerMode(PowerMode mode) {
        if (mode.isPowered()) {
            powered = true;
        } else {
            powerOff();
        }
    }

    /**
     * Power OFF: the running batch stops before its next APDU and is answered {@code FAILED/POWER_OFF}, queued batches
     * are refused {@code REFUSED/POWER_OFF}. Completes when those answers were handed to the publisher, or after
     * {@link RelayConfig#answerAtOff()}.
     */
    public CompletableFuture<Void> powerOff() {
        boolean was = powered;
        powered = false;
        Running r = running;
        if (r != null) {
            r.stop(RelayReason.POWER_OFF);
        }
        if (!was && r == null && queued.get() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> drained = new CompletableFuture<>();
        try {
            // after the running batch and the queue: wait for the last answer to reach the broker
            thread.execute(() -> lastPublish.whenComplete((v, e) -> drained.complete(null)));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            drained.complete(null);
        }
        return drained.completeOnTimeout(null, config.answerAtOff().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A payload arrived on {@code vinbind/v2/{terminalId}/esim/batch}; called on the MQTT thread, never blocks. */
    public void batchArrived(byte[] payload) {
        EsimBatch batch;
        try {
            batch = JsonCodec.decodeEsimBatch(payload);
        } catch (ProtocolException e) {
            Logger.warn("relay: refused a batch: {}", e.getMessage());
            e.requestId().ifPresent(id -> publish(new EsimResult(Protocol.VERSION, id, terminalId, "", 0,
                BatchOutcome.REFUSED, RelayReason.MALFORMED_BATCH, List.of(), EsimResult.printableDetail(e.getMessage()))));
            return;
        }
        if (!batch.terminalId().equals(terminalId)) {
            Logger.warn("relay: refused batch {} for terminal {} (this is {})", batch.requestId(), batch.terminalId(), terminalId);
            publish(new EsimResult(Protocol.VERSION, batch.requestId(), terminalId, batch.session(), batch.sequence(),
                BatchOutcome.REFUSED, RelayReason.MALFORMED_BATCH, List.of(), "the batch names terminal "
                + batch.terminalId() + ", this is " + terminalId));
            return;
        }
        queued.incrementAndGet();
        try {
            thread.execute(() -> {
                queued.decrementAndGet();
                handle(batch);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            queued.decrementAndGet();
            Logger.info("relay: closed; batch {} not taken (the broker may deliver it again)", batch.requestId());
        }
    }

    /** Runs on the relay thread. */
    void handle(EsimBatch batch) {
        try {
            publish(decide(batch));
            CardPort.Refreshed r = lastRefresh;
            lastRefresh = null;
            if (r != null) {
                try {
                    onRefresh.accept(r);
                } catch (RuntimeException e) {
                    Logger.error(e, "relay: the refresh listener failed");
                }
            }
        } catch (StartNotRecorded e) {
            // without the start record there is no at-most-once: refuse rather than run
            Logger.error(e, "relay: cannot record the start of batch {}", batch.requestId());
            publish(EsimResult.refused(batch, RelayReason.TERMINAL_ERROR, "the terminal's relay store failed: "
                + e.getMessage()));
        } catch (IOException e) {
            // the store cannot say whether the batch ran: it must not run (again)
            Logger.error(e, "relay: the store failed for batch {}", batch.requestId());
            publish(EsimResult.ran(batch, BatchOutcome.FAILED, RelayReason.INTERRUPTED, List.of(),
                "the terminal's relay store cannot tell whether this batch ran: " + e.getMessage()));
        } catch (RuntimeException e) {
            Logger.error(e, "relay: batch {} failed unexpectedly", batch.requestId());
        }
    }

    private EsimResult decide(EsimBatch batch) throws IOException {
        Optional<EsimResult> stored = store.result(batch.requestId());
        if (stored.isPresent()) {
            Logger.info("relay: batch {} seen again: answered from the store ({}), not sent to the card",
                batch.requestId(), stored.get().outcome());
            return stored.get();
        }
        if (store.startedWithoutResult(batch.requestId())) {
            EsimResult r = EsimResult.ran(batch, BatchOutcome.FAILED, RelayReason.INTERRUPTED, List.of(),
                "an earlier delivery started on the card and was cut off before its result was stored; not run again");
            saveOrKeepMark(r);
            return r;
        }
        if (!powered) {
            return EsimResult.refused(batch, RelayReason.POWER_OFF, "vehicle power is OFF");
        }
        OptionalInt last = store.lastSequence(batch.session());
        int expected = last.isPresent() ? last.getAsInt() + 1 : 0;
        if (batch.sequence() != expected) {
            return EsimResult.refused(batch, RelayReason.OUT_OF_ORDER, "session " + batch.session() + " expects sequence "
                + expected + ", got " + batch.sequence());
        }
        return run(batch);
    }

    private EsimResult run(EsimBatch batch) throws IOException {
        long budgetMs = Math.min(batch.timeoutMs(), config.maxBatch().toMillis());
        Running r = new Running(batch, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs));
        running = r;
        try {
            if (!powered) {
                return EsimResult.refused(batch, RelayReason.POWER_OFF, "vehicle power is OFF");
            }
            CompletableFuture<EsimResult> work = card.exclusive(c -> r.runOn(c));
            try {
                r.started.get(config.modemWait().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (r.abandon()) {
                    work.cancel(true);
                    return EsimResult.refused(batch, RelayReason.MODEM_BUSY, "the modem was busy for "
                        + config.modemWait().toMillis() + " ms");
                }
            } catch (ExecutionException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return EsimResult.refused(batch, RelayReason.MODEM_BUSY, "the modem could not take the batch: " + e);
            }
            try {
                // the work itself stops at its deadline before the next APDU; this bounds the APDU in flight too
                return work.get(budgetMs + config.maxBatch().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof StartNotRecorded io) {
                    throw io;
                }
                Logger.error(cause, "relay: batch {} broke", batch.requestId());
                EsimResult f = EsimResult.ran(batch, BatchOutcome.FAILED, RelayReason.MODEM_ERROR, r.responses(),
                    "the relay failed: " + cause);
                saveOrKeepMark(f);
                return f;
            } catch (TimeoutException | CancellationException e) {
                work.cancel(true);
                EsimResult f = EsimResult.ran(batch, BatchOutcome.FAILED, RelayReason.TIMEOUT, r.responses(),
                    "the modem did not finish the batch in time");
                saveOrKeepMark(f);
                return f;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                EsimResult f = EsimResult.ran(batch, BatchOutcome.FAILED, RelayReason.INTERRUPTED, r.responses(),
                    "the terminal is shutting down");
                saveOrKeepMark(f);
                return f;
            }
        } finally {
            lastRefresh = r.refreshed;
            running = null;
        }
    }

    private void publish(EsimResult result) {
        Logger.info("relay: batch {} (session {} #{}) {} {} with {} responses", result.requestId(),
            Untrusted.escape(result.session(), 64), result.sequence(), result.outcome(), result.reason(),
            result.responses().size());
        try {
            CompletableFuture<Void> out = publisher.apply(result);
            lastPublish = out;
            out.whenComplete((v, e) -> {
                if (e != null) {
                    Logger.warn("relay: the result of batch {} could not be published ({}); the server's retry of "
                        + "the batch gets it from the store", result.requestId(), e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            Logger.warn(e, "relay: publishing the result of batch {} failed", result.requestId());
        }
    }

    /** One batch on the card; its state is shared between the relay thread and the modem's worker. */
    private final class Running {
        final EsimBatch batch;
        final long deadline;
        final CompletableFuture<Void> started = new CompletableFuture<>();
        /** 0 waiting for the modem, 1 running, 2 abandoned before it started. */
        final AtomicInteger phase = new AtomicInteger();
        volatile RelayReason stop;
        /** The card's identity after a CLOSE_AND_REFRESH batch; null otherwise. */
        volatile CardPort.Refreshed refreshed;
        private final List<byte[]> responses = new ArrayList<>();

        Running(EsimBatch batch, long deadline) {
            this.batch = batch;
            this.deadline = deadline;
        }

        boolean abandon() {
            return phase.compareAndSet(0, 2);
        }

        void stop(RelayReason why) {
            stop = why;
        }

        synchronized List<byte[]> responses() {
            return List.copyOf(responses);
        }

        /** On the modem's worker, with the AT port to itself. */
        EsimResult runOn(CardPort.Card c) throws IOException {
            if (!phase.compareAndSet(0, 1)) {
                return null; // abandoned: the relay thread has answered MODEM_BUSY
            }
            started.complete(null);
            if (stop != null) {
                return EsimResult.refused(batch, stop, "stopped before the batch started: " + stop);
            }
            try {
                store.markStarted(batch);
            } catch (IOException e) {
                throw new StartNotRecorded(e);
            }
            CardPort.Channel ch;
            try {
                ch = channelFor(c);
            } catch (CardException e) {
                // nothing of this batch reached the card: not stored, the server may send it again
                store.unmarkStarted(batch);
                RelayReason why = switch (e.kind()) {
                    case NO_SUCH_APPLICATION -> RelayReason.NOT_AN_EUICC;
                    case CARD_ABSENT -> RelayReason.CARD_ABSENT;
                    case MODEM_ERROR, TIMEOUT -> RelayReason.CARD_ABSENT;
                };
                return EsimResult.refused(batch, why, e.getMessage());
            }
            List<byte[]> apdus = batch.apduBytes();
            RelayReason reason = RelayReason.NONE;
            BatchOutcome outcome = BatchOutcome.COMPLETED;
            String detail = "";
            for (int i = 0; i < apdus.size(); i++) {
                RelayReason stopNow = stop != null ? stop : System.nanoTime() > deadline ? RelayReason.TIMEOUT : null;
                if (stopNow != null) {
                    outcome = BatchOutcome.FAILED;
                    reason = stopNow;
                    detail = stopNow + " after " + i + " of " + apdus.size() + " APDUs";
                    break;
                }
                byte[] response;
                try {
                    response = ch.transmit(apdus.get(i));
                } catch (CardException e) {
                    outcome = BatchOutcome.FAILED;
                    reason = e.kind() == CardException.Kind.TIMEOUT ? RelayReason.TIMEOUT : RelayReason.MODEM_ERROR;
                    detail = "APDU " + (i + 1) + " of " + apdus.size() + ": " + e.getMessage()
                        + (e.mayHaveReachedCard() ? " (it may have reached the card)" : "");
                    forget();
                    break;
                }
                synchronized (this) {
                    responses.add(response);
                }
                int sw = ((response[response.length - 2] & 0xFF) << 8) | (response[response.length - 1] & 0xFF);
                int sw1 = sw >> 8;
                boolean normal = sw1 == 0x90 || sw1 == 0x91;
                if (!normal && i < apdus.size() - 1) {
                    outcome = BatchOutcome.STOPPED;
                    reason = RelayReason.STATUS_WORD;
                    detail = String.format("%04X after %d of %d APDUs", sw, i + 1, apdus.size());
                    break;
                }
                if (batch.stopOn() == StopRule.ERROR_STATUS_OR_INSTALLATION_RESULT && i < apdus.size() - 1
                        && response.length > 3 && (response[0] & 0xFF) == 0xBF && (response[1] & 0xFF) == 0x37) {
                    outcome = BatchOutcome.STOPPED;
                    reason = RelayReason.INSTALLATION_RESULT;
                    detail = "ProfileInstallationResult after " + (i + 1) + " of " + apdus.size() + " APDUs";
                    break;
                }
            }
            if (batch.channel() != ChannelHandling.KEEP && outcome != BatchOutcome.FAILED) {
                closeOpenChannel();
            }
            if (batch.channel() == ChannelHandling.CLOSE_AND_REFRESH && outcome == BatchOutcome.COMPLETED) {
                try {
                    refreshed = c.refresh();
                    detail = "card refreshed: IMSI " + refreshed.imsi() + ", ICCID " + refreshed.iccid();
                } catch (CardException e) {
                    detail = "the APDUs ran, the refresh failed: " + e.getMessage();
                    Logger.warn("relay: batch {}: {}", batch.requestId(), detail);
                }
            }
            EsimResult result = EsimResult.ran(batch, outcome, reason, responses(), detail);
            saveOrKeepMark(result);
            return result;
        }
    }

    /** The start mark of a batch could not be written: nothing of it went to the card. */
    private static final class StartNotRecorded extends IOException {
        StartNotRecorded(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Stores a result; when that fails the start mark stays, so a redelivery is answered INTERRUPTED and never reaches
     * the card again, and this answer still goes out.
     */
    private void saveOrKeepMark(EsimResult result) {
        try {
            store.save(result);
        } catch (IOException e) {
            Logger.error(e, "relay: the result of batch {} could not be stored; a redelivery will be answered "
                + "INTERRUPTED", result.requestId());
        }
    }

    /** The session's channel, opening one (and closing another session's) when needed. */
    private CardPort.Channel channelFor(CardPort.Card c) throws CardException {
        EsimBatch batch = running.batch;
        if (openChannel != null && openChannel.isOpen() && batch.session().equals(openSession)) {
            return openChannel;
        }
        closeOpenChannel();
        openChannel = c.open(batch.aidBytes());
        openSession = batch.session();
        Logger.info("relay: session {} opened a channel to {}", batch.session(), HexFormat.of().withUpperCase()
            .formatHex(batch.aidBytes()));
        return openChannel;
    }

    private void closeOpenChannel() {
        CardPort.Channel ch = openChannel;
        forget();
        if (ch != null && ch.isOpen()) {
            try {
                ch.close();
            } catch (CardException e) {
                Logger.info("relay: closing the channel: {}", e.getMessage());
            }
        }
    }

    private void forget() {
        openChannel = null;
        openSession = null;
    }

    /** Stops taking batches; the running one stops before its next APDU. */
    @Override
    public void close() {
        Running r = running;
        if (r != null) {
            r.stop(RelayReason.POWER_OFF);
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: whether the batch thread is idle. */
    boolean idle() {
        return running == null && queued.get() == 0;
    }
}
