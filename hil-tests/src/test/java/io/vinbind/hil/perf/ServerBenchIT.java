package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** TLS with a certificate per simulated terminal, issued by the server's terminal CA. */
    @Test
    void every_simulated_terminal_gets_its_acks_on_the_embedded_server_over_tls() {
        ServerBench.Result r = ServerBench.run(new ServerBench.Settings(TERMINALS, Optional.empty(), Optional.empty(),
                ServerBackend.POSTGRES_USER, 10, Duration.ofSeconds(20), 42, false, false), line -> { });
        assertTrue(r.target().contains("TLS"), r.target());
        assertAllAnswered(r, List.of("connect", "login", "bind"));
    }

    /** The measurement mode: the embedded broker in plaintext, identities by user name, permissions still applied. */
    @Test
    void every_simulated_terminal_gets_its_acks_on_the_embedded_server_in_plaintext() {
        ServerBench.Result r = ServerBench.run(new ServerBench.Settings(TERMINALS, Optional.empty(), Optional.empty(),
                ServerBackend.POSTGRES_USER, 10, Duration.ofSeconds(20), 44, false, true), line -> { });
        assertTrue(r.target().contains("plaintext"), r.target());
        assertAllAnswered(r, List.of("connect", "login", "bind"));
    }

    /**
     * On a Mosquitto process of the test's own as mosquitto-config configures it (TLS, a certificate per terminal,
     * vinbind's ACL plugin) and PostgreSQL.
     */
    @Test
    void every_simulated_terminal_gets_its_acks_on_mosquitto_and_postgresql() {
        String mosquitto = io.vinbind.hil.perf.PrivateMosquitto.securedUnavailableReason();
        Assumptions.assumeTrue(mosquitto == null, () -> "skipped: " + mosquitto);
        String why = ServerBackend.MOSQUITTO_POSTGRES.unavailableReason();
        Assumptions.assumeTrue(why == null, why);
        ServerBench.Result r = ServerBench.run(new ServerBench.Settings(TERMINALS, Optional.empty(),
                Optional.of(ServerBackend.POSTGRES_URL), ServerBackend.POSTGRES_USER, 10, Duration.ofSeconds(20), 43, true,
                false), line -> { });
        assertTrue(r.target().contains("private mosquitto"), r.target());
        assertAllAnswered(r, List.of("connect", "login", "bind"));
    }

    private static void assertAllAnswered(ServerBench.Result r, List<String> phases) {
        assertEquals(phases, r.phases().stream().map(ServerBench.Phase::name).toList());
        assertEquals(0, r.missingAcks(), () -> "missing answers: " + r.phases());
        assertEquals(Map.of("OK", TERMINALS), r.phase("connect").outcomes());
        assertEquals(Map.of("ACCEPTED", TERMINALS), r.phase("login").outcomes());
        assertEquals(Map.of("BOUND", TERMINALS), r.phase("bind").outcomes());
        assertEquals(TERMINALS, r.phase("bind").latency().count());
    }
}
