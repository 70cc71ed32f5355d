package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tinylog.Logger;

/**
 * The server-memory storm in small ({@link MemoryRun}; the long runs are {@code ./vinbind bench server-memory},
 * figures in docs/benchmarks.md): a server process started like the launcher starts it, a few hundred malformed
 * payloads over TLS and one 10 MiB packet; the server must stay alive, still answer a valid login and bind, and
 * stay under the memory bound its options state. The bound is the documented one, not a timing: a storm that
 * made the broker or the JVM keep what it should free fails here.
 */
class MemoryRunIT {

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void a_storm_of_malformed_payloads_leaves_the_server_answering_within_its_memory_bound(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("vinbind.memory.seed", System.nanoTime());
        Logger.info("server memory storm, seed {}", seed);
        MemoryRun.Result r = MemoryRun.run(new MemoryRun.Settings(300, 1, 4, seed, dir, List.of(),
                Duration.ofMinutes(2)), line -> Logger.info(line));
        Logger.info(r.summary());
        assertTrue(r.alive(), "the server died: " + r.summary());
        assertTrue(r.complete(), r.summary());
        assertEquals(300, r.sent(), r.summary());
        assertEquals(1, r.sentByKind().get(MemoryRun.Kind.TEN_MIB), r.summary());
        assertEquals("login ACCEPTED, bind ALREADY_BOUND", r.after(), r.summary());
        assertEquals(0, r.acceptedOversized(), "the broker took a packet it must refuse: " + r.summary());
        int closing = r.sentByKind().getOrDefault(MemoryRun.Kind.TEN_MIB, 0)
                + r.sentByKind().getOrDefault(MemoryRun.Kind.OVER_BROKER_LIMIT, 0)
                + r.sentByKind().getOrDefault(MemoryRun.Kind.FOREIGN_TOPIC, 0);
        assertEquals(closing, r.closedByBroker(), r.summary());
        assertTrue(r.answers() > 0, "the server answered none of the malformed requests: " + r.summary());
        assertTrue(r.samples().size() >= 3, "too few memory samples: " + r.samples().size());
        assertTrue(r.hwmKib() > 0 && r.rssStartKib() > 0, r.summary());
        assertTrue(r.withinBound(), "VmHWM " + r.hwmKib() + " KiB over the bound " + r.bound() + ": " + r.summary());
        assertTrue(r.passed(), r.summary());
        assertTrue(Files.readAllLines(dir.resolve("server-memory-" + seed + ".csv")).size() == r.samples().size() + 1);
    }
}
