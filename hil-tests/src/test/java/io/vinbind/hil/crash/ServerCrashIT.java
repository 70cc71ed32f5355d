package io.vinbind.hil.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinylog.Logger;

/**
 * The server crash test in the build (issue #11): the binding server as a separate JVM, SIGKILLed at points aimed
 * across a burst of logins and binds from simulated terminals (before the first answers, mid-burst, just after the
 * burst's answers, just after a single bind's answer), restarted on the same data, {@value #KILLS} times per backend;
 * no answer a terminal received may be lost and every unanswered request must converge (see {@link ServerCrashRun}).
 * Seeded: the seed is printed, {@code -Dvinbind.servercrash.seed=<seed>} repeats the choices,
 * {@code -Dvinbind.servercrash.kills=<n>} and {@code -Dvinbind.servercrash.terminals=<n>} change the size. Longer
 * runs: {@code ./vinbind bench server-crash --kills 100}. Every server's output goes to
 * {@code target/server-crash-<backend>.log}, one line per kill point to {@code target/server-crash-test.log}.
 */
class ServerCrashIT {

    private static final int KILLS = 6;
    private static final int TERMINALS = 24;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void no_acknowledged_answer_is_lost_when_the_embedded_server_is_killed() throws Exception {
        run(ServerCrashRun.Backend.EMBEDDED);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void no_acknowledged_answer_is_lost_when_the_server_on_mosquitto_and_postgresql_is_killed() throws Exception {
        String why = ServerCrashRun.postgresUnavailableReason(ServerCrashRun.POSTGRES_URL, ServerCrashRun.POSTGRES_USER);
        Assumptions.assumeTrue(why == null, why);
        run(ServerCrashRun.Backend.POSTGRES);
    }

    private static void run(ServerCrashRun.Backend backend) throws Exception {
        long seed = Long.getLong("vinbind.servercrash.seed", System.nanoTime());
        int kills = Integer.getInteger("vinbind.servercrash.kills", KILLS);
        int terminals = Integer.getInteger("vinbind.servercrash.terminals", TERMINALS);
        Path logDir = Path.of("target").toAbsolutePath();
        Files.createDirectories(logDir);
        ServerCrashRun.Settings settings = ServerCrashRun.Settings.of(backend, kills, terminals, seed, logDir);
        Files.deleteIfExists(settings.serverLog());
        System.out.println("ServerCrashIT " + backend + " seed " + seed + " (repeat with -Dvinbind.servercrash.seed="
                + seed + ")");

        ServerCrashRun.Report report;
        Path progress = logDir.resolve("server-crash-test.log");
        try (PrintWriter lines = new PrintWriter(Files.newBufferedWriter(progress, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND), true)) {
            report = ServerCrashRun.run(settings, line -> {
                lines.println(line);
                Logger.info(line);
            });
        }
        System.out.println(report.summary()); // the seed and the figures belong in the test output

        String context = "seed " + seed + ": " + report.summary();
        assertEquals(List.of(), report.violations(), context);
        assertEquals(kills, report.points().size(), "every kill point was reached; " + context);
        assertEquals(kills, report.survived(), context);
        assertTrue(report.answeredBeforeKills() > 0, "answers arrived before kills; " + context);
        assertTrue(report.answersChecked() >= report.answeredBeforeKills(),
                "every answer received before a kill was replayed and compared; " + context);
        if (kills >= 6) {
            assertTrue(report.points().stream().anyMatch(p -> p.unansweredAtKill() > 0),
                    "some kill left requests unanswered, which then had to converge; " + context);
            assertTrue(report.points().stream().anyMatch(p -> p.msAfterLastAnswer().isPresent()),
                    "some kill came after every answer of its burst was out; " + context);
        }
    }
}
