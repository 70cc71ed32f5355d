package io.vinbind.can;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Two connected pseudo-terminals made by {@code socat}, the bench's stand-in for an SLCAN adapter's
 * serial line. Tests that use it are skipped with a reason where socat is not installed.
 */
public final class PtyPair implements AutoCloseable {

    private final Process socat;
    private final Path dir;
    private final Path a;
    private final Path b;

    private PtyPair(Process socat, Path dir) {
        this.socat = socat;
        this.dir = dir;
        this.a = dir.resolve("a");
        this.b = dir.resolve("b");
    }

    /** True when a {@code socat} executable is on the PATH. */
    public static boolean socatAvailable() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "socat"))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the calling test with a reason unless socat exists, then starts a pair (waits up to 5 s). */
    public static PtyPair start() throws IOException, InterruptedException {
        assumeTrue(socatAvailable(), "skipped: socat not installed (needed for a pty pair)");
        Path dir = Files.createTempDirectory("vinbind-pty");
        Process p = new ProcessBuilder("socat", "-d", "-d",
                "pty,raw,echo=0,link=" + dir.resolve("a"), "pty,raw,echo=0,link=" + dir.resolve("b"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("socat.log").toFile())
                .start();
        PtyPair pair = new PtyPair(p, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!(Files.exists(pair.a) && Files.exists(pair.b))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.exists(dir.resolve("socat.log")) ? Files.readString(dir.resolve("socat.log")) : "";
                pair.close();
                throw new IOException("socat did not create the pty pair within 5 s: " + log);
            }
            Thread.sleep(20);
        }
        return pair;
    }

    /** One end ({@code <tmp>/a}, a symlink to /dev/pts/N). */
    public String a() {
        return a.toString();
    }

    /** The other end. */
    public String b() {
        return b.toString();
    }

    /** Stops socat (bounded wait) and removes the links. */
    @Override
    public void close() {
        socat.destroy();
        try {
            if (!socat.waitFor(3, TimeUnit.SECONDS)) {
                socat.destroyForcibly();
                socat.waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            socat.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (Path p : new Path[] {a, b, dir.resolve("socat.log"), dir}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a leftover temp file is harmless; say so rather than hide it
                System.err.println("PtyPair: could not delete " + p + ": " + e.getMessage());
            }
        }
    }
}
