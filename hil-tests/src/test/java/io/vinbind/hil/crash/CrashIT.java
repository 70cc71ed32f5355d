package io.vinbind.hil.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.hil.bench.CanTransport;
import io.vinbind.modem.link.SocatPtyPair;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tinylog.Logger;

/**
 * The crash test in the build: the daemon as a separate JVM, SIGKILLed 25 times at random moments while it
 * binds (seeded; the seed is printed, and {@code -Dvinbind.crash.seed=<seed>} repeats a run,
 * {@code -Dvinbind.crash.kills=<n>} changes the count). Longer runs: {@code ./vinbind bench crash --kills 200}.
 * Every daemon's log goes to {@code target/crash-daemon.log}, one line per kill point and round to
 * {@code target/crash-test.log}.
 */
class CrashIT {

    @Test
    void flag_is_cleared_only_for_a_binding_the_server_holds_across_sigkills() throws Exception {
        Assumptions.assumeTrue(SocatPtyPair.socatAvailable(), "skipped: socat is not installed (the daemon's SLCAN and AT ports are socat pty pairs)");
        Assumptions.assumeTrue(CanTransport.SLCAN_PTY.unavailableReason() == null,
                "skipped: " + CanTransport.SLCAN_PTY.unavailableReason());
        long seed = Long.getLong("vinbind.crash.seed", System.nanoTime());
        int kills = Integer.getInteger("vinbind.crash.kills", 25);
        Path log = Path.of("target", "crash-daemon.log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        System.out.println("CrashIT seed " + seed + " (repeat with -Dvinbind.crash.seed=" + seed + ")");

        Path progress = log.resolveSibling("crash-test.log");
        CrashRun.Report report;
        try (PrintWriter lines = new PrintWriter(Files.newBufferedWriter(progress), true)) {
            report = CrashRun.run(CrashRun.Settings.of(kills, seed, log), line -> {
                lines.println(line);
                Logger.info(line);
            });
        }
        System.out.println(report.summary()); // the seed and the figures belong in the test output

        assertEquals(java.util.List.of(), report.violations(), "seed " + seed + ": " + report.summary());
        assertEquals(kills, report.points().size(), "seed " + seed + ": every kill point was reached");
        assertEquals(kills, report.survived(), "seed " + seed + ": " + report.summary());
        assertTrue(report.killsByState().keySet().stream().filter(s -> !s.equals("BOUND") && !s.equals("OFF")
                && !s.equals("STARTING")).count() >= 3,
                "seed " + seed + ": kills landed in at least three working states: " + report.killsByState());
    }
}
