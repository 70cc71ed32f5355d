package io.vinbind.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class NonBlockingStderrTest {

    /** A pipe nobody reads: every write blocks until the test lets it go. */
    static final class StuckPipe extends OutputStream {
        final CountDownLatch reader = new CountDownLatch(1);
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                reader.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (received) {
                received.write(b, off, len);
            }
        }

        String text() {
            synchronized (received) {
                return received.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    @Test
    void writes_return_at_once_when_the_pipe_is_not_read_and_the_overflow_is_dropped_and_counted() throws Exception {
        StuckPipe pipe = new StuckPipe();
        NonBlockingStderr err = new NonBlockingStderr(pipe, 1024, Duration.ofMillis(100));
        byte[] line = ("x".repeat(99) + "\n").getBytes(StandardCharsets.US_ASCII);
        long start = System.nanoTime();
        for (int i = 0; i < 5000; i++) {
            err.write(line, 0, line.length);
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < 2000, "5000 writes to an unread pipe took " + tookMs + " ms");
        assertTrue(err.stalled());
        long dropped = err.droppedBytes();
        assertTrue(dropped >= 5000L * 100 - 1024 - 100, "dropped " + dropped);

        pipe.reader.countDown(); // someone reads at last
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!pipe.text().contains("dropped]") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        String out = pipe.text();
        assertTrue(out.startsWith(new String(line, StandardCharsets.US_ASCII)), out);
        assertTrue(out.contains("[stderr was not read: " + dropped + " bytes of log output dropped]"), out);
        err.write(line, 0, line.length);
        assertTrue(pipe.text().endsWith("dropped]" + System.lineSeparator() + new String(line, StandardCharsets.US_ASCII)),
                "once the pipe drains, writes go out again, after the note: " + pipe.text());
        assertTrue(!err.stalled());
    }

    @Test
    void while_the_pipe_drains_a_write_returns_once_its_bytes_are_out_in_order() throws Exception {
        ByteArrayOutputStream pipe = new ByteArrayOutputStream();
        NonBlockingStderr err = new NonBlockingStderr(pipe, 1024, Duration.ofSeconds(5));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            byte[] b = ("line " + i + "\n").getBytes(StandardCharsets.US_ASCII);
            err.write(b, 0, b.length);
            expected.append("line ").append(i).append('\n');
            synchronized (err) {
                assertEquals(expected.length(), pipe.size(), "written through before write returned");
            }
        }
        assertEquals(expected.toString(), pipe.toString(StandardCharsets.US_ASCII));
        assertEquals(0, err.droppedBytes());
    }

    @Test
    void a_closed_stderr_makes_writes_no_ops() throws Exception {
        OutputStream closed = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        NonBlockingStderr err = new NonBlockingStderr(closed, 1024, Duration.ofSeconds(5));
        for (int i = 0; i < 100; i++) {
            err.write(new byte[] {'a', '\n'}, 0, 2);
        }
        err.flush();
    }
}
