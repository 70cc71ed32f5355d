package io.vinbind.log;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.tinylog.Level;
import org.tinylog.configuration.Configuration;
import org.tinylog.format.AdvancedMessageFormatter;
import org.tinylog.format.MessageFormatter;
import org.tinylog.provider.LoggingProvider;
import org.tinylog.provider.ProviderRegistry;

/**
 * Warnings about input the process does not control (an adapter answering BEL to every frame, a modem
 * spewing line noise), logged so that a flood cannot drown the log or stall the process: of the warnings
 * with the same message template, at most {@code burst} per {@code window} are written; the rest are
 * counted, and the next one written after the window (or {@link #summarise()}, e.g. on close) says how many
 * were left out. One adapter sending 5,000 BEL bytes then gives a handful of lines, not 5,000.
 *
 * <p>Warnings are "the same" when their message template (the format string with its {@code {}}
 * placeholders) is the same: the arguments (a counter, the offending text) may differ. Arguments are
 * formatted only for warnings that are written, so a suppressed warning costs a map lookup. Untrusted text
 * in arguments must be escaped by the caller, as for any log line. Thread-safe.
 *
 * <p>Lines go to tinylog at level WARN with the caller's class as their source, as if the caller had called
 * {@code Logger.warn} itself.
 */
public final class RateLimitedWarnings {

    /** Warnings of one template written per window before the rest are only counted. */
    public static final int DEFAULT_BURST = 5;
    /** The window: at most {@link #DEFAULT_BURST} lines of one template per minute, then one summary. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    /** Where written lines go: tinylog in production, a list in tests. */
    interface Sink {
        /**
         * @param depth tinylog stack depth of the caller, counted as if the public method of this class had
         *     called the logging provider itself (2, as in {@code Logger.warn})
         */
        void warn(int depth, String message);
    }

    private static final class Tally {
        long windowStart;
        int written;
        long suppressed;
        Object[] lastSuppressedArgs;
    }

    private final int burst;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Sink sink;
    private final MessageFormatter formatter;
    private final Map<String, Tally> tallies = new LinkedHashMap<>();

    RateLimitedWarnings(int burst, Duration window, LongSupplier nanoTime, Sink sink) {
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, got " + burst);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        this.burst = burst;
        this.windowNanos = window.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.formatter = new AdvancedMessageFormatter(Configuration.getLocale(), Configuration.isEscapingEnabled());
    }

    /** {@link #DEFAULT_BURST} per {@link #DEFAULT_WINDOW} for each message template. */
    public static RateLimitedWarnings standard() {
        return of(DEFAULT_BURST, DEFAULT_WINDOW);
    }

    /** {@code burst} warnings per {@code window} for each message template. */
    public static RateLimitedWarnings of(int burst, Duration window) {
        return new RateLimitedWarnings(burst, window, System::nanoTime, TinylogSink.INSTANCE);
    }

    /**
     * Writes the warning unless {@code burst} of the same template were written within the window; then it
     * is only counted.
     *
     * @param format    tinylog message template with {@code {}} placeholders; it identifies the warning
     * @param arguments the placeholders' values (escape untrusted text)
     */
    public void warn(String format, Object... arguments) {
        String line;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            Tally t = tallies.computeIfAbsent(format, f -> {
                Tally fresh = new Tally();
                fresh.windowStart = now;
                return fresh;
            });
            if (now - t.windowStart >= windowNanos) {
                long left = t.suppressed;
                long since = now - t.windowStart;
                t.windowStart = now;
                t.written = 1;
                t.suppressed = 0;
                t.lastSuppressedArgs = null;
                line = left == 0 ? format(format, arguments)
                        : format(format, arguments) + " (and " + left + " more like this in the last "
                                + seconds(since) + " s, not logged)";
            } else if (t.written < burst) {
                t.written++;
                line = t.written == burst
                        ? format(format, arguments) + " (more like this within " + seconds(windowNanos)
                                + " s are counted, not logged)"
                        : format(format, arguments);
            } else {
                t.suppressed++;
                t.lastSuppressedArgs = arguments;
                return;
            }
        }
        sink.warn(2, line);
    }

    /**
     * Writes, for each template with warnings counted but not written, the last of them and how many there
     * were; call it when the source stops (channel or engine closed) so no count is lost.
     */
    public void summarise() {
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            long now = nanoTime.getAsLong();
            for (Map.Entry<String, Tally> e : tallies.entrySet()) {
                Tally t = e.getValue();
                if (t.suppressed > 0) {
                    lines.add(format(e.getKey(), t.lastSuppressedArgs) + " (the last of " + t.suppressed
                            + " like this in the last " + seconds(now - t.windowStart) + " s, not logged until now)");
                    t.suppressed = 0;
                    t.lastSuppressedArgs = null;
                }
            }
        }
        for (String line : lines) {
            sink.warn(2, line);
        }
    }

    /** Warnings counted and not (yet) written, over all templates. */
    public synchronized long suppressed() {
        return tallies.values().stream().mapToLong(t -> t.suppressed).sum();
    }

    private String format(String template, Object[] arguments) {
        return arguments == null || arguments.length == 0 ? template : formatter.format(template, arguments);
    }

    private static String seconds(long nanos) {
        return Long.toString(Math.max(1, Math.round(nanos / 1e9)));
    }

    /** tinylog, with the stack depth adjusted so that the source class is the caller's. */
    private enum TinylogSink implements Sink {
        INSTANCE;

        private final LoggingProvider provider = ProviderRegistry.getLoggingProvider();

        @Override
        public void warn(int depth, String message) {
            // +1: this method sits between the public method and the provider
            provider.log(depth + 1, null, Level.WARN, null, null, message, (Object[]) null);
        }
    }
}
