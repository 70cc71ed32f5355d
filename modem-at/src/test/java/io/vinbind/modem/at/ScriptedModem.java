package io.vinbind.modem.at;

import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.link.SerialLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The far end of an in-memory link for engine tests: each expected command line is answered with a list
 * of chunks, each written separately, so the engine sees exactly those reads (split lines, several lines
 * per read). Unexpected commands are recorded and fail the test through {@link #unexpected()}.
 */
public final class ScriptedModem implements AutoCloseable {

    private record Step(String command, List<String> chunks) {
    }

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("scripted");
    private final BlockingQueue<Step> steps = new LinkedBlockingQueue<>();
    private final List<String> unexpected = new CopyOnWriteArrayList<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile Exception ended;

    public ScriptedModem() {
        thread = new Thread(this::run, "scripted-modem");
        thread.setDaemon(true);
        thread.start();
    }

    /** The terminal's end, for the engine. */
    public SerialLink link() {
        return pair.a();
    }

    /** Answer {@code command} with these chunks, written one by one. Empty chunks list: no answer at all. */
    public ScriptedModem on(String command, String... chunks) {
        steps.add(new Step(command, List.of(chunks)));
        return this;
    }

    /** Writes bytes unprompted (a URC while idle). */
    public void push(String chunk) throws IOException {
        pair.b().write(chunk.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Makes the device vanish. */
    public void vanish() {
        pair.close();
    }

    /** Why the far end stopped answering, if it did (for assertion messages). */
    public Exception ended() {
        return ended;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    public List<String> received() {
        return received;
    }

    private void run() {
        byte[] buf = new byte[256];
        StringBuilder line = new StringBuilder();
        try {
            while (!stop) {
                int n = pair.b().read(buf, Duration.ofMillis(50));
                for (int i = 0; i < n; i++) {
                    char c = (char) (buf[i] & 0xff);
                    if (c == '\r') {
                        answer(line.toString());
                        line.setLength(0);
                    } else {
                        line.append(c);
                    }
                }
            }
        } catch (IOException e) {
            ended = e; // the link closed (test over or vanish()): nothing more to answer
        } catch (InterruptedException e) {
            ended = e;
            Thread.currentThread().interrupt();
        }
    }

    private void answer(String command) throws IOException, InterruptedException {
        received.add(command);
        Step s = steps.poll(2, TimeUnit.SECONDS);
        if (s == null || !s.command().equals(command)) {
            unexpected.add(command + (s == null ? " (no step left)" : " (expected " + s.command() + ")"));
            return;
        }
        for (String chunk : s.chunks()) {
            pair.b().write(chunk.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Override
    public void close() {
        stop = true;
        pair.close();
    }

    /** Splits {@code text} into pieces of the given sizes (last piece takes the rest). */
    public static String[] split(String text, int... sizes) {
        List<String> out = new ArrayList<>();
        int pos = 0;
        for (int s : sizes) {
            if (pos + s >= text.length()) {
                break;
            }
            out.add(text.substring(pos, pos + s));
            pos += s;
        }
        out.add(text.substring(pos));
        return out.toArray(new String[0]);
    }
}
