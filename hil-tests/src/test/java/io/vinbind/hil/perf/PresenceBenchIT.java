package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.hil.bench.ServerBackend;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The presence benchmark's harness with a tiny crowd: every heartbeat (all at once, then at a fixed rate), echo,
 * login and bind gets exactly one answer, and each is the expected one (its own requestId and terminal, the
 * terminal's VIN). Asserts nothing about time (figures: {@code ./vinbind bench presence}).
 */
class PresenceBenchIT {

    private static final int TERMINALS = 25;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void every_heartbeat_gets_exactly_one_correct_ack() {
        Assumptions.assumeTrue(PrivateMosquitto.binary().isPresent(), "skipped: no mosquitto binary on the PATH");
        Assumptions.assumeTrue(postgresListening(), "skipped: no PostgreSQL listening on 127.0.0.1:5432");
        // each terminal every 500 ms for 3 s: 6 steady heartbeats each
        PresenceBench.Result r = PresenceBench.run(new PresenceBench.Settings(TERMINALS, ServerBackend.POSTGRES_URL,
                ServerBackend.POSTGRES_USER, 10, Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(20),
                46, 2, 1), line -> { });
        assertEquals(List.of("warmup-connect", "warmup-echo-1", "warmup-heartbeat-1", "warmup-login-1",
                "warmup-bind-1", "connect", "echo-cold", "heartbeat-first", "heartbeat", "echo-round-2",
                "heartbeat-round-2", "steady", "login", "bind", "echo-warm"),
                r.phases().stream().map(ServerBench.Phase::name).toList());
        // the ratio's two sides: the heartbeat rounds and the warm echo rounds, each taken by its median
        assertEquals(List.of("heartbeat", "heartbeat-round-2"),
                r.heartbeatRounds().stream().map(ServerBench.Phase::name).toList());
        assertEquals(List.of("echo-round-2", "echo-warm"), r.echoRounds().stream().map(ServerBench.Phase::name).toList());
        assertEquals((r.phase("heartbeat").ratePerSecond() + r.phase("heartbeat-round-2").ratePerSecond()) / 2,
                r.heartbeatRate(), 1e-9);
        assertEquals(0, r.missingAcks(), () -> "missing answers: " + r.phases());
        assertEquals(0, r.duplicates(), "duplicate acks");
        assertEquals(0, r.wrong(), "acks matching no request");
        for (String p : List.of("connect", "echo-cold", "heartbeat-first", "heartbeat", "echo-round-2",
                "heartbeat-round-2", "echo-warm")) {
            assertEquals(Map.of("OK", TERMINALS), r.phase(p).outcomes(), p);
        }
        assertEquals(Map.of("OK", TERMINALS * 6), r.phase("steady").outcomes());
        assertEquals(TERMINALS * 6, r.phase("steady").latency().count());
        assertEquals(Map.of("ACCEPTED", TERMINALS), r.phase("login").outcomes());
        assertEquals(Map.of("BOUND", TERMINALS), r.phase("bind").outcomes());
        // the warm-up's own fleet (other identities) bound too, and did not take the measured fleet's VINs
        assertEquals(Map.of("BOUND", TERMINALS), r.phase("warmup-bind-1").outcomes());
        assertEquals(Map.of("ACCEPTED", TERMINALS), r.phase("warmup-login-1").outcomes());
        // every process's CPU was read for every phase (Linux /proc)
        assertEquals(r.phases().stream().map(ServerBench.Phase::name).toList(),
                r.cpu().stream().map(CpuMeter.PhaseCpu::phase).toList());
        // (a phase of 25 terminals may last less than a clock tick, 10 ms: per phase a reading can be 0, not n/a;
        // over the whole run the server and the bench spent some)
        assertTrue(r.cpu().stream().allMatch(c -> c.server() >= 0 && c.postgres() >= 0 && c.broker() >= 0
                && c.bench() >= 0), () -> "CPU unread: " + r.cpu());
        assertTrue(r.cpu().stream().mapToDouble(c -> c.server() * c.answered()).sum() > 0
                && r.cpu().stream().mapToDouble(c -> c.bench() * c.answered()).sum() > 0, () -> "no CPU: " + r.cpu());
        // the server's own record agrees: a presence row per terminal, online, the default limits (version 1)
        assertEquals("25 presence rows, 25 online, config versions 1..1, heartbeat interval 60..60 s", r.limits());
        assertTrue(r.memory().serverRss0() > 0 && r.memory().brokerRssN() > 0, () -> "memory unread: " + r.memory());
    }

    private static boolean postgresListening() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", 5432), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
