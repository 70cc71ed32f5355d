package io.vinbind.modem.link;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * A pty pair made by {@code socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B}: two serial devices
 * wired back to back, so a simulator on one end and the real jSerialComm path on the other exercise the
 * same kernel tty layer as a USB modem. Closing the pair stops socat, which makes both devices vanish.
 */
public final class SocatPtyPair implements AutoCloseable {

    private static final Duration START_BOUND = Duration.ofSeconds(5);

    private final Process process;
    private final Path a;
    private final Path b;

    private SocatPtyPair(Process process, Path a, Path b) {
        this.process = process;
        this.a = a;
        this.b = b;
    }

    /** True if a {@code socat} executable is on the PATH. */
    public static boolean socatAvailable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "socat"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts socat and waits (bounded) until both symlinks exist.
     *
     * @throws IOException if socat is missing, exits, or does not create the links within 5 s
     */
    public static SocatPtyPair start(Path a, Path b) throws IOException {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Files.deleteIfExists(a);
        Files.deleteIfExists(b);
        Process p = new ProcessBuilder(List.of("socat", "-d", "-d",
                "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        while (!(Files.exists(a) && Files.exists(b))) {
            if (!p.isAlive()) {
                throw new IOException("socat exited with " + p.exitValue() + " before creating " + a + " and " + b);
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("socat did not create " + a + " and " + b + " within " + START_BOUND);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted while waiting for socat", e);
            }
        }
        Logger.debug("socat pty pair {} <-> {} (pid {})", a, b, p.pid());
        return new SocatPtyPair(p, a, b);
    }

    public Path a() {
        return a;
    }

    public Path b() {
        return b;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops socat (TERM, then KILL after 2 s); the pty devices and symlinks disappear. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
