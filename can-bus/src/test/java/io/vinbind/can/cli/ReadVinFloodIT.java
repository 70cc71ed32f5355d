package io.vinbind.can.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.PtyPair;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code uds read-vin} as a separate process against an adapter that answers nothing but BEL bytes, with
 * its stderr a pipe that nobody reads until it has exited (as a supervisor or a script that only reads
 * stdout would leave it). It used to log one WARN line per BEL byte, fill the pipe and block in the log
 * call, and so never reach its {@code --timeout}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReadVinFloodIT {

    private static final int TIMEOUT_S = 2;

    private PtyPair pty;
    private Process process;
    private final AtomicBoolean spewing = new AtomicBoolean(true);

    @AfterEach
    void stop() throws Exception {
        spewing.set(false);
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (pty != null) {
            pty.close();
        }
    }

    /** {@code read-vin --timeout 2s} on the pty's other end, as {@code ./vinbind} runs it, at a log level. */
    private List<String> readVin(String level) throws IOException {
        Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        Path base = root.resolve("can-bus");
        String cp = base.resolve("target/classes") + File.pathSeparator
                + Files.readString(base.resolve("target/classpath.txt")).trim();
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtinylog.configuration=" + root.resolve("config/tinylog.properties"), // what ./vinbind uses
                "-Dtinylog.writer.level=" + level,
                "-cp", cp, "io.vinbind.can.cli.UdsCli", "read-vin", "--can", "slcan:" + pty.b(),
                "--timeout", TIMEOUT_S + "s");
    }

    @Test
    void read_vin_ends_within_its_timeout_with_a_bounded_log_when_the_adapter_spews_bel_and_stderr_is_not_read()
            throws Exception {
        pty = PtyPair.start();
        AtomicLong belSent = new AtomicLong();
        Thread adapter = spew(pty.a(), "\u0007", belSent);
        List<String> cmd = readVin("info");
        long start = System.nanoTime();
        process = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE) // and nobody reads it while the process runs
                .start();
        process.getOutputStream().close();

        boolean ended = process.waitFor(TIMEOUT_S + 18, TimeUnit.SECONDS);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        spewing.set(false);
        adapter.join(2000);
        assertTrue(ended, "read-vin with --timeout " + TIMEOUT_S + "s still running after " + tookMs
                + " ms while the adapter sent " + belSent.get() + " BEL bytes and stderr was not read");
        assertTrue(belSent.get() > 10_000, "the adapter spewed: " + belSent.get() + " BEL bytes");

        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String[] lines = err.split("\\R");
        long warnings = Arrays.stream(lines).filter(l -> l.contains(" WARN ")).count();
        assertEquals(1, process.exitValue(), err);
        assertTrue(warnings >= 1 && warnings <= 10, warnings + " WARN lines for " + belSent.get() + " BEL bytes:\n"
                + String.join("\n", Arrays.copyOf(lines, Math.min(lines.length, 30))));
        assertTrue(err.contains("like this") && err.contains("not logged"), "the left-out warnings are counted:\n" + err);
        assertTrue(err.contains("uds read-vin: "), "the failure is said on stderr:\n" + err);
    }

    /**
     * The same without the rate limit's help: at debug level every line from the adapter is logged, far
     * more than a pipe holds. Writes that the pipe does not take must not block the tool.
     */
    @Test
    void read_vin_ends_within_its_timeout_when_its_own_log_overflows_an_unread_stderr() throws Exception {
        pty = PtyPair.start();
        AtomicLong sent = new AtomicLong();
        Thread adapter = spew(pty.a(), "V1234\r", sent);   // a version line each: logged at debug, one by one
        long start = System.nanoTime();
        process = new ProcessBuilder(readVin("debug"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        process.getOutputStream().close();

        boolean ended = process.waitFor(TIMEOUT_S + 18, TimeUnit.SECONDS);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        spewing.set(false);
        adapter.join(2000);
        assertTrue(ended, "read-vin at debug level still running after " + tookMs + " ms with stderr unread ("
                + sent.get() / 6 + " lines from the adapter)");
        assertEquals(1, process.exitValue());
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(err.length >= 60_000, "the log did fill the pipe: " + err.length + " bytes");
    }

    /** The adapter end of the pty: {@code unit} repeated as fast as the line takes it; what the tool sends is drained. */
    private Thread spew(String device, String unit, AtomicLong sent) {
        Thread drain = new Thread(() -> {
            try (InputStream in = new FileInputStream(device)) {
                byte[] buf = new byte[4096];
                while (spewing.get() && in.read(buf) >= 0) {
                    // the tool's C / S6 / O and its request: nobody answers them
                }
            } catch (IOException e) {
                // the pty went away at the end of the test
            }
        }, "adapter-drain");
        drain.setDaemon(true);
        drain.start();
        Thread spew = new Thread(() -> {
            byte[] chunk = unit.repeat(Math.max(1, 256 / unit.length())).getBytes(StandardCharsets.ISO_8859_1);
            try (OutputStream out = new FileOutputStream(device)) {
                while (spewing.get()) {
                    out.write(chunk);
                    out.flush();
                    sent.addAndGet(chunk.length);
                    Thread.sleep(2);
                }
            } catch (IOException | InterruptedException e) {
                // the pty went away at the end of the test
            }
        }, "adapter-spew");
        spew.setDaemon(true);
        spew.start();
        return spew;
    }
}
