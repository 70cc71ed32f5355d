package io.vinbind.modem.at;

import io.vinbind.modem.link.LinkClosedException;
import io.vinbind.modem.link.LinkOpener;
import io.vinbind.modem.link.SerialLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import io.vinbind.log.RateLimitedWarnings;
import org.tinylog.Logger;

/**
 * The AT command engine: sends one command at a time over a {@link SerialLink} and collects its answer
 * until a final result code or the command's own timeout, while a reader thread sorts every incoming line
 * into echo (dropped), the outstanding command's answer, or an unsolicited result code.
 *
 * <p>URCs are recognised before, between and after answer lines and go to listeners on a separate
 * dispatcher thread (so a listener may itself send commands); they never end up in an {@link AtResponse}.
 * A modem reset ({@code RDY}, or the port vanishing and — with a {@link LinkOpener} — returning) fails the
 * outstanding command with {@link AtResetException} / {@link AtLinkException} and raises an
 * {@link AtEvent}; so do {@code N} consecutive timeouts ({@link AtEvent.Unresponsive}).
 *
 * <p>Thread-safe: callers on any thread are served one at a time (fair lock).
 */
public final class AtEngine implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final String name;
    private final AtEngineConfig config;
    private final LinkOpener opener;
    private final Clock clock = Clock.systemUTC();
    private final ReentrantLock commandLock = new ReentrantLock(true);
    private final Object state = new Object();
    private final LineAssembler assembler;
    /** Dropped lines come at the line's rate (a noisy UART, a modem in the wrong baud rate): a few, then a count. */
    private final RateLimitedWarnings dropWarnings = RateLimitedWarnings.standard();
    private final ExecutorService dispatcher;
    private final List<UrcSubscriber> urcListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<AtEvent>> eventListeners = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private volatile SerialLink link;
    private volatile boolean closed;
    private volatile String downReason;
    private Pending pending; // guarded by state
    private int consecutiveTimeouts; // guarded by commandLock
    /** The last command ended without its final result code; its answer may still come. Guarded by commandLock. */
    private boolean unsettled;
    /** {@link System#nanoTime()} of the last bytes read from the link. */
    private volatile long lastInput = System.nanoTime();

    private record UrcSubscriber(Set<UrcKind> kinds, Consumer<Urc> listener) {
    }

    private AtEngine(SerialLink link, LinkOpener opener, AtEngineConfig config) {
        this.link = link;
        this.name = link.name();
        this.opener = opener;
        this.config = config;
        this.assembler = new LineAssembler(config.maxLineLength(), new LineAssembler.Sink() {
            @Override
            public void line(String line) {
                onLine(line);
            }

            @Override
            public void dropped(String reason) {
                dropWarnings.warn("{}: dropped {}", name, reason);
            }
        });
        this.dispatcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "at-urc-" + name);
            t.setDaemon(true);
            return t;
        });
        this.reader = new Thread(this::readLoop, "at-reader-" + name);
        this.reader.setDaemon(true);
    }

    /** An engine on an already open link with default settings; it ends when the link does. */
    public static AtEngine start(SerialLink link) {
        return start(link, AtEngineConfig.DEFAULT);
    }

    /** An engine on an already open link; it ends when the link does. */
    public static AtEngine start(SerialLink link, AtEngineConfig config) {
        AtEngine e = new AtEngine(Objects.requireNonNull(link, "link"), null, Objects.requireNonNull(config, "config"));
        e.reader.start();
        return e;
    }

    /**
     * An engine that opens its link through {@code opener} and re-opens it when the device vanishes
     * (every {@link AtEngineConfig#reopenInterval()} until it returns or the engine is closed).
     *
     * @throws IOException if the first open fails
     */
    public static AtEngine start(LinkOpener opener, AtEngineConfig config) throws IOException {
        Objects.requireNonNull(opener, "opener");
        AtEngine e = new AtEngine(opener.open(), opener, Objects.requireNonNull(config, "config"));
        e.reader.start();
        return e;
    }

    /** The link's name (its port path). */
    public String linkName() {
        return name;
    }

    /** True while the link is up (false after it vanished and before it returned, and after close). */
    public boolean isLinkUp() {
        return !closed && link != null;
    }

    /**
     * Sends {@code command} and returns its answer, whatever the final result code (errors are values
     * here; see {@link #execute}).
     *
     * @throws AtTimeoutException no final result code within the command's timeout
     * @throws AtLinkException    the link is down or failed during the command
     * @throws AtResetException   the modem reset during the command
     */
    public AtResponse send(AtCommand command) throws AtException {
        Objects.requireNonNull(command, "command");
        boolean locked;
        try {
            // bounded: whoever holds the lock gives it up within its own timeout, at most MAX_TIMEOUT
            locked = commandLock.tryLock(AtCommand.MAX_TIMEOUT.plus(command.timeout()).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtLinkException(command.text(), List.of(), "interrupted while waiting for the engine", e);
        }
        if (!locked) {
            throw new AtTimeoutException(command.text(), List.of(), AtCommand.MAX_TIMEOUT);
        }
        try {
            return sendLocked(command);
        } finally {
            commandLock.unlock();
        }
    }

    /** Like {@link #send} but anything other than {@code OK} is an {@link AtErrorException}. */
    public AtResponse execute(AtCommand command) throws AtException {
        return send(command).requireOk();
    }

    private AtResponse sendLocked(AtCommand command) throws AtException {
        SerialLink l = link;
        if (closed || l == null) {
            throw new AtLinkException(command.text(), List.of(),
                    "link " + name + " is down" + (downReason == null ? "" : ": " + downReason), null);
        }
        if (unsettled) {
            settle(command);
        }
        Pending p = new Pending(command, clock.instant());
        synchronized (state) {
            pending = p;
        }
        try {
            Logger.debug("{} >> {}", name, command.text());
            l.write((command.text() + "\r").getBytes(StandardCharsets.US_ASCII));
            Pending.Outcome outcome;
            try {
                outcome = p.await(command.timeout());
            } catch (AtLinkException interrupted) {
                unsettled = true;
                throw interrupted;
            }
            if (outcome.failure() != null) {
                consecutiveTimeouts = 0;
                unsettled = true;
                throw outcome.failure();
            }
            if (outcome.result() == null) {
                unsettled = true;
                onTimeout(command);
                throw new AtTimeoutException(command.text(), outcome.lines(), command.timeout());
            }
            consecutiveTimeouts = 0;
            AtResponse r = new AtResponse(command.text(), outcome.lines(), outcome.result(),
                    Duration.between(p.sentAt, clock.instant()));
            Logger.debug("{} << {} {} in {} ms", name, r.lines(), r.result().rawLine(), r.elapsed().toMillis());
            return r;
        } catch (IOException e) {
            throw new AtLinkException(command.text(), p.snapshot(), "write failed: " + e.getMessage(), e);
        } finally {
            synchronized (state) {
                if (pending == p) {
                    pending = null;
                }
            }
        }
    }

    /**
     * Waits (bounded by {@link AtEngineConfig#settleMax()}) until nothing has arrived for
     * {@link AtEngineConfig#settleQuiet()}. The previous command ended without its final result code — it
     * timed out, the modem printed {@code RDY}, or the caller was interrupted — and a modem often still
     * answers it a moment later (a command read just before a reset is answered just after it). Lines that
     * arrive while no command is outstanding are dropped as strays; written at once, {@code next} would take
     * that late {@code OK} as its own, and every later command the answer of the one before it.
     */
    private void settle(AtCommand next) throws AtLinkException {
        long quietNanos = config.settleQuiet().toNanos();
        long deadline = System.nanoTime() + config.settleMax().toNanos();
        while (true) {
            long now = System.nanoTime();
            long quietFor = now - lastInput;
            if (quietFor >= quietNanos) {
                break;
            }
            if (now - deadline >= 0) {
                Logger.warn("{}: the line did not go quiet for {} ms within {} ms after an unanswered command; "
                        + "sending {} anyway", name, config.settleQuiet().toMillis(), config.settleMax().toMillis(),
                        next.text());
                break;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(quietNanos - quietFor, deadline - now));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AtLinkException(next.text(), List.of(), "interrupted while waiting for the line to settle", e);
            }
        }
        unsettled = false;
    }

    private void onTimeout(AtCommand command) {
        consecutiveTimeouts++;
        Logger.warn("{}: {} got no final result code within {} ms ({} consecutive timeouts)",
                name, command.text(), command.timeout().toMillis(), consecutiveTimeouts);
        if (consecutiveTimeouts == config.unresponsiveAfter()) {
            post(new AtEvent.Unresponsive(consecutiveTimeouts, command.text(), clock.instant()));
        }
    }

    /** Listens to URCs of the given kinds ({@link UrcKind#UNKNOWN} is the catch-all). */
    public Subscription onUrc(Set<UrcKind> kinds, Consumer<Urc> listener) {
        UrcSubscriber s = new UrcSubscriber(EnumSet.copyOf(kinds), Objects.requireNonNull(listener, "listener"));
        urcListeners.add(s);
        return () -> urcListeners.remove(s);
    }

    /** Listens to URCs of one kind. */
    public Subscription onUrc(UrcKind kind, Consumer<Urc> listener) {
        return onUrc(EnumSet.of(kind), listener);
    }

    /** Listens to every URC, recognised or not. */
    public Subscription onAnyUrc(Consumer<Urc> listener) {
        return onUrc(EnumSet.allOf(UrcKind.class), listener);
    }

    /** Listens to resets, link loss and unresponsiveness. */
    public Subscription onEvent(Consumer<AtEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        eventListeners.add(listener);
        return () -> eventListeners.remove(listener);
    }

    /** Stops the reader and dispatcher and closes the link; an outstanding command fails with {@link AtLinkException}. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        downReason = "engine closed";
        SerialLink l = link;
        if (l != null) {
            l.close();
        }
        failPending(p -> new AtLinkException(p.command.text(), p.snapshot(), "engine closed", null));
        if (Thread.currentThread() != reader) {
            try {
                reader.join(POLL.toMillis() * 5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dispatcher.shutdown();
        dropWarnings.summarise();
    }

    // ---------------------------------------------------------------- reader thread

    private void readLoop() {
        byte[] buf = new byte[4096];
        while (!closed) {
            try {
                SerialLink l = link;
                if (l == null) {
                    if (!reopen()) {
                        break;
                    }
                    continue;
                }
                int n;
                try {
                    n = l.read(buf, POLL);
                } catch (IOException e) {
                    if (!closed) {
                        onLinkLost(l, e);
                    }
                    continue;
                }
                if (n > 0) {
                    lastInput = System.nanoTime();
                    assembler.feed(buf, 0, n);
                }
            } catch (RuntimeException e) {
                // a bug in line handling must not kill the only reader silently
                Logger.error(e, "{}: reader failed on input; continuing", name);
            }
        }
        Logger.debug("{}: reader stopped", name);
    }

    private void onLinkLost(SerialLink l, IOException e) {
        link = null;
        downReason = e.getMessage();
        l.close();
        assembler.reset();
        String why = e instanceof LinkClosedException ? e.getMessage() : "read failed: " + e;
        Logger.warn("{}: link lost: {}", name, why);
        failPending(p -> new AtLinkException(p.command.text(), p.snapshot(), "link lost: " + why, e));
        post(new AtEvent.LinkLost(name, why, clock.instant()));
    }

    /** Re-opens a vanished port; false if the engine cannot (no opener) or was closed meanwhile. */
    private boolean reopen() {
        if (opener == null) {
            return false;
        }
        int attempts = 0;
        while (!closed) {
            try {
                Thread.sleep(config.reopenInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            attempts++;
            try {
                SerialLink fresh = opener.open();
                if (closed) {
                    fresh.close();
                    return false;
                }
                link = fresh;
                downReason = null;
                Logger.info("{}: port returned after {} attempt(s); the modem has reset", name, attempts);
                post(new AtEvent.ModemReset(AtEvent.ResetCause.PORT_RETURNED,
                        "port " + name + " re-opened after " + attempts + " attempt(s)", clock.instant()));
                return true;
            } catch (IOException e) {
                Logger.debug("{}: re-open attempt {} failed: {}", name, attempts, e.getMessage());
            }
        }
        return false;
    }

    private void onLine(String line) {
        Instant now = clock.instant();
        Optional<UrcKind> kind = UrcKind.of(line);
        Pending p;
        synchronized (state) {
            p = pending;
        }
        if (p == null) {
            onIdleLine(line, kind, now);
            return;
        }
        if (line.equalsIgnoreCase(p.command.text())) {
            Logger.debug("{}: echo of {} stripped", name, p.command.text());
            return;
        }
        Optional<FinalResult> fin = FinalResult.parse(line);
        if (fin.isPresent()) {
            complete(p, fin.get());
            return;
        }
        if (kind.isPresent() && kind.get() == UrcKind.RDY) {
            failPending(q -> new AtResetException(q.command.text(), q.snapshot(), "modem printed " + line));
            deliver(new Urc(UrcKind.RDY, line, now));
            post(new AtEvent.ModemReset(AtEvent.ResetCause.RDY, "modem printed " + line
                    + " during " + p.command.text(), now));
            return;
        }
        if (p.command.hasPrefixOf(line)
                && !(kind.isPresent() && kind.get().isRegistration() && !RegistrationForms.isSolicited(line))) {
            p.add(line);
            return;
        }
        if (kind.isPresent()) {
            deliver(new Urc(kind.get(), line, now));
            return;
        }
        if (p.command.bareLines() && !line.startsWith("+")) {
            p.add(line);
            return;
        }
        Logger.debug("{}: line during {} is neither its answer nor a known URC: {}", name, p.command.text(), line);
        deliver(new Urc(UrcKind.UNKNOWN, line, now));
    }

    private void onIdleLine(String line, Optional<UrcKind> kind, Instant now) {
        if (FinalResult.parse(line).isPresent()) {
            Logger.debug("{}: stray final result code with no command outstanding (late answer?): {}", name, line);
            return;
        }
        if (kind.isEmpty() && line.regionMatches(true, 0, "AT", 0, 2)) {
            Logger.debug("{}: stray echo with no command outstanding: {}", name, line);
            return;
        }
        UrcKind k = kind.orElse(UrcKind.UNKNOWN);
        deliver(new Urc(k, line, now));
        if (k == UrcKind.RDY) {
            post(new AtEvent.ModemReset(AtEvent.ResetCause.RDY, "modem printed " + line, now));
        }
    }

    private void complete(Pending p, FinalResult result) {
        synchronized (state) {
            if (pending == p) {
                pending = null;
            }
        }
        p.complete(result);
    }

    private interface FailureFactory {
        AtException make(Pending p);
    }

    private void failPending(FailureFactory f) {
        Pending p;
        synchronized (state) {
            p = pending;
            pending = null;
        }
        if (p != null) {
            p.fail(f.make(p));
        }
    }

    private void deliver(Urc urc) {
        Logger.debug("{}: URC {} {}", name, urc.kind(), urc.line());
        for (UrcSubscriber s : urcListeners) {
            if (s.kinds().contains(urc.kind())) {
                dispatch(() -> s.listener().accept(urc), "URC listener for " + urc.line());
            }
        }
    }

    private void post(AtEvent event) {
        Logger.info("{}: event {}", name, event);
        for (Consumer<AtEvent> l : eventListeners) {
            dispatch(() -> l.accept(event), "event listener for " + event);
        }
    }

    private void dispatch(Runnable r, String what) {
        if (dispatcher.isShutdown()) {
            return;
        }
        try {
            dispatcher.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    Logger.error(e, "{}: {} failed", name, what);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Logger.debug("{}: engine closing, {} not delivered", name, what);
        }
    }

    /** The outstanding command; completed by the reader thread, awaited by the sender. */
    private static final class Pending {
        final AtCommand command;
        final Instant sentAt;
        private final List<String> lines = new ArrayList<>();
        private FinalResult result;
        private AtException failure;
        private boolean done;

        record Outcome(List<String> lines, FinalResult result, AtException failure) {
        }

        Pending(AtCommand command, Instant sentAt) {
            this.command = command;
            this.sentAt = sentAt;
        }

        synchronized void add(String line) {
            if (!done) {
                lines.add(line);
            }
        }

        synchronized List<String> snapshot() {
            return List.copyOf(lines);
        }

        synchronized void complete(FinalResult r) {
            if (!done) {
                result = r;
                done = true;
                notifyAll();
            }
        }

        synchronized void fail(AtException e) {
            if (!done) {
                failure = e;
                done = true;
                notifyAll();
            }
        }

        synchronized Outcome await(Duration timeout) throws AtLinkException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    done = true; // late lines are no longer this command's
                    return new Outcome(List.copyOf(lines), null, null);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    done = true;
                    throw new AtLinkException(command.text(), List.copyOf(lines), "interrupted while waiting", e);
                }
            }
            return new Outcome(List.copyOf(lines), result, failure);
        }
    }
}
