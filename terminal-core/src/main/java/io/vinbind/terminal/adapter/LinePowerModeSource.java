package io.vinbind.terminal.adapter;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.terminal.port.PowerModeSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * {@link PowerModeSource} for benches without a body controller: power modes as text ({@code OFF},
 * {@code ACC}, {@code ON}, {@code START}, any case).
 * <ul>
 *   <li>{@link #ofFile}: the mode is the content of a file, re-read every poll interval, so a script sets
 *       the ignition with {@code echo ON > power}; a missing file means OFF;</li>
 *   <li>{@link #ofStream}: one mode per line, e.g. stdin; end of input means OFF.</li>
 * </ul>
 */
public final class LinePowerModeSource implements PowerModeSource {

    private final String description;
    private final ReaderLoop loop;
    private volatile boolean running;
    private Thread thread;

    @FunctionalInterface
    private interface ReaderLoop {
        void run(Consumer<PowerMode> sink, LinePowerModeSource self) throws IOException, InterruptedException;
    }

    private LinePowerModeSource(String description, ReaderLoop loop) {
        this.description = description;
        this.loop = loop;
    }

    /** The mode is the content of {@code file}, read every {@code poll}. */
    public static LinePowerModeSource ofFile(Path file, Duration poll) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(poll, "poll");
        return new LinePowerModeSource("file " + file, (sink, self) -> {
            String last = null;
            while (self.running) {
                String text;
                try {
                    text = Files.readString(file, StandardCharsets.UTF_8).strip();
                } catch (NoSuchFileException e) {
                    text = "OFF";
                }
                if (!text.equals(last)) {
                    last = text;
                    self.deliver(text, sink);
                }
                Thread.sleep(poll.toMillis());
            }
        });
    }

    /** One mode per line from {@code in} (not closed by this source). */
    public static LinePowerModeSource ofStream(InputStream in, String name) {
        Objects.requireNonNull(in, "in");
        return new LinePowerModeSource(name, (sink, self) -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while (self.running && (line = r.readLine()) != null) {
                if (!line.isBlank() && !line.strip().startsWith("#")) {
                    self.deliver(line.strip(), sink);
                }
            }
            if (self.running) {
                Logger.info("end of {}: power OFF", name);
                sink.accept(PowerMode.OFF);
            }
        });
    }

    private void deliver(String text, Consumer<PowerMode> sink) {
        try {
            sink.accept(PowerMode.parse(text));
        } catch (IllegalArgumentException e) {
            Logger.warn("{}: {}; ignored", description, e.getMessage());
        }
    }

    @Override
    public synchronized void start(Consumer<PowerMode> sink) {
        Objects.requireNonNull(sink, "sink");
        if (running) {
            throw new IllegalStateException("already started");
        }
        running = true;
        thread = new Thread(() -> {
            try {
                loop.run(sink, this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                Logger.error(e, "power-mode source {} failed; reporting OFF", description);
                sink.accept(PowerMode.OFF);
            }
        }, "vinbind-power-mode");
        thread.setDaemon(true);
        thread.start();
        Logger.info("power mode from {}", description);
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
