package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vinbind.hil.bench.ServerBackend;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The server benchmark's harness with a tiny crowd: every connect, echo, login and bind request gets its
 * answer, and each answer is the expected one. Asserts nothing about time (figures: {@code ./vinbind bench server}).
 */
class ServerBenchIT {

    private static final int TERMINALS = 25;

    @Test
    void every_simulated_terminal_gets_its_acks_on_the_embedded_server() {
        ServerBench.Result r = ServerBench.run(new ServerBench.Settings(TERMINALS, Optional.empty(), Optional.empty(),
                ServerBackend.POSTGRES_USER, 10, Duration.ofSeconds(20), 42, false), line -> { });
        assertAllAnswered(r);
    }

    /**
     * On a Mosquitto process of the test's own (another server on the machine's shared broker would take a share
     * of the requests) and PostgreSQL.
     */
    @Test
    void every_simulated_terminal_gets_its_acks_on_mosquitto_and_postgresql() {
        Assumptions.assumeTrue(ServerBench.mosquittoBinary().isPresent(), "skipped: mosquitto is not installed");
        String why = ServerBackend.MOSQUITTO_POSTGRES.unavailableReason();
        Assumptions.assumeTrue(why == null, why);
        ServerBench.Result r = ServerBench.run(new ServerBench.Settings(TERMINALS, Optional.empty(),
                Optional.of(ServerBackend.POSTGRES_URL), ServerBackend.POSTGRES_USER, 10, Duration.ofSeconds(20), 43, true),
                line -> { });
        assertAllAnswered(r);
    }

    private static void assertAllAnswered(ServerBench.Result r) {
        assertEquals(List.of("connect", "echo-cold", "login", "bind", "echo-warm"),
                r.phases().stream().map(ServerBench.Phase::name).toList());
        assertEquals(0, r.missingAcks(), () -> "missing answers: " + r.phases());
        assertEquals(Map.of("OK", TERMINALS), r.phase("connect").outcomes());
        assertEquals(Map.of("OK", TERMINALS), r.phase("echo-cold").outcomes());
        assertEquals(Map.of("ACCEPTED", TERMINALS), r.phase("login").outcomes());
        assertEquals(Map.of("BOUND", TERMINALS), r.phase("bind").outcomes());
        assertEquals(Map.of("OK", TERMINALS), r.phase("echo-warm").outcomes());
        assertEquals(TERMINALS, r.phase("bind").latency().count());
    }
}
