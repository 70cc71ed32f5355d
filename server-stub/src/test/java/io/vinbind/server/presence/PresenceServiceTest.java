package io.vinbind.server.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.HeartbeatAck;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
import io.vinbind.server.Fixtures;
import io.vinbind.server.provisioning.DeviceModelLibrary;
import io.vinbind.server.provisioning.FleetFacts;
import io.vinbind.server.store.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The online dictionary, window counts, limits and the sweeper on H2 (exercised on PostgreSQL by PresencePostgresIT). */
class PresenceServiceTest {

    static final PresenceSettings SETTINGS = new PresenceSettings(Duration.ofMinutes(10), Duration.ofSeconds(60),
        new Limits(20, 300, 500));

    static Heartbeat hb(String terminal, String session, int seq, PresenceState state) {
        return new Heartbeat(Protocol.VERSION, "hb-" + session + "-" + seq, terminal, session, seq, state, 0);
    }

    static PresenceService service(Database db, MutableClock clock) {
        return new PresenceService(db, clock, SETTINGS, new DeviceModelLibrary(db, clock), new FleetFacts(db));
    }

    @Test
    void heartbeats_are_counted_once_per_window_and_mark_online() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            exerciseCountsAndTransitions(db);
        }
    }

    static void exerciseCountsAndTransitions(Database db) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T08:00:00Z"));
        PresenceService p = service(db, clock);
        HeartbeatAck first = p.heartbeat(hb("T-1", "s1", 1, PresenceState.ALIVE), "T-1", "test");
        assertEquals(20, first.heartbeatIntervalS());
        assertEquals(1, first.configVersion());
        p.heartbeat(hb("T-1", "s1", 1, PresenceState.ALIVE), "T-1", "test"); // the broker delivered it again
        clock.advance(Duration.ofSeconds(20));
        p.heartbeat(hb("T-1", "s1", 2, PresenceState.ALIVE), "T-1", "test");
        assertEquals(2, p.windows("T-1", 10).get(0).heartbeats());
        assertTrue(p.entry("T-1").orElseThrow().online());
        assertThrows(IllegalArgumentException.class,
            () -> p.heartbeat(hb("T-2", "s1", 3, PresenceState.ALIVE), "T-1", "test")); // not its own name

        // silence past the timeout: one OFFLINE, however often it is swept
        clock.advance(Duration.ofSeconds(61));
        assertEquals(1, p.sweep("sweeper-a"));
        assertEquals(0, p.sweep("sweeper-b"));
        assertFalse(p.entry("T-1").orElseThrow().online());
        // back 25 min later (08:00:20 -> 08:26:21: the 08:10 window went without a heartbeat): ONLINE again; a new
        // daemon run counts from 1 again
        clock.advance(Duration.ofMinutes(25));
        p.heartbeat(hb("T-1", "s2", 1, PresenceState.ALIVE), "T-1", "test");
        // the Will of an older session does nothing; POWER_OFF of this one ends it at once
        p.heartbeat(hb("T-1", "s1", 0, PresenceState.LOST), "T-1", "test");
        assertTrue(p.entry("T-1").orElseThrow().online());
        p.heartbeat(hb("T-1", "s2", 2, PresenceState.POWER_OFF), "T-1", "test");
        assertFalse(p.entry("T-1").orElseThrow().online());
        List<String> events = p.events(Optional.of("T-1"), 0, 100).stream()
            .map(e -> e.event() + ":" + e.cause() + ":" + e.missedWindows()).toList();
        assertEquals(List.of("ONLINE:FIRST_HEARTBEAT:0", "OFFLINE:TIMEOUT:0", "ONLINE:HEARTBEAT:1",
            "OFFLINE:POWER_OFF:0"), events);
        // the Will of the current session after a POWER_OFF: already offline, nothing more
        p.heartbeat(hb("T-1", "s2", 0, PresenceState.LOST), "T-1", "test");
        assertEquals(4, p.events(Optional.of("T-1"), 0, 100).size());
    }

    @Test
    void the_limits_table_sets_intervals_by_count_and_pushes_only_changes() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            MutableClock clock = new MutableClock(Instant.parse("2026-12-02T08:00:00Z"));
            PresenceService p = service(db, clock);
            // a chatty terminal: 5 heartbeats in one window
            for (int i = 1; i <= 5; i++) {
                p.heartbeat(hb("T-9", "s", i, PresenceState.ALIVE), "T-9", "test");
                clock.advance(Duration.ofSeconds(20));
            }
            assertThrows(IllegalArgumentException.class, () -> p.putLimit(new LimitRule("too-slow", 10, List.of(),
                Optional.of(1), Optional.empty(), new Limits(40, 300, 50)), "admin")); // 2 x 40 s > 60 s timeout
            assertTrue(p.putLimit(new LimitRule("chatty", 10, List.of(), Optional.of(4), Optional.empty(),
                new Limits(30, 600, 50)), "admin"));
            HeartbeatAck same = p.heartbeat(hb("T-9", "s", 6, PresenceState.ALIVE), "T-9", "test");
            assertEquals(20, same.heartbeatIntervalS()); // still the first window: the last complete one had none
            clock.advance(Duration.ofMinutes(10)); // the window of 5 heartbeats is now the last complete one
            HeartbeatAck pushed = p.heartbeat(hb("T-9", "s", 7, PresenceState.ALIVE), "T-9", "test");
            assertEquals(30, pushed.heartbeatIntervalS());
            assertEquals(600, pushed.sendIntervalS());
            assertEquals(50, pushed.storageRecords());
            assertEquals(2, pushed.configVersion());
            assertEquals(Optional.of("chatty"), p.entry("T-9").orElseThrow().limitName());
            clock.advance(Duration.ofSeconds(30));
            assertEquals(2, p.heartbeat(hb("T-9", "s", 8, PresenceState.ALIVE), "T-9", "test").configVersion());
            assertTrue(p.deleteLimit("chatty"));
            clock.advance(Duration.ofSeconds(30));
            HeartbeatAck back = p.heartbeat(hb("T-9", "s", 9, PresenceState.ALIVE), "T-9", "test");
            assertEquals(20, back.heartbeatIntervalS());
            assertEquals(3, back.configVersion());
        }
    }

    @Test
    void status_records_are_stored_once_and_counted_in_the_window() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            MutableClock clock = new MutableClock(Instant.parse("2026-12-02T08:00:00Z"));
            PresenceService p = service(db, clock);
            p.heartbeat(hb("T-5", "s1", 1, PresenceState.ALIVE), "T-5", "test");
            io.vinbind.protocol.StatusReport r = new io.vinbind.protocol.StatusReport(Protocol.VERSION, "st-1", "T-5",
                "s1", List.of("n=1;t=2026-12-02T07:59:00Z;power=ACC;state=BOUND", "n=2;t=2026-12-02T07:59:30Z;power=OFF"),
                4);
            io.vinbind.protocol.StatusAck first = p.status(r, "T-5");
            assertEquals(2, first.stored());
            io.vinbind.protocol.StatusAck again = p.status(r, "T-5"); // the batch sent again after a lost answer
            assertEquals(0, again.stored());
            assertEquals(2, again.duplicates());
            assertEquals(2, p.windows("T-5", 1).get(0).records());
            assertEquals(4, p.entry("T-5").orElseThrow().droppedRecords()); // counted once, not per resend
            List<PresenceService.StatusRecord> stored = p.records("T-5", 10);
            assertEquals(2, stored.get(0).seq());
            assertEquals("OFF", stored.get(0).facts().get("power"));
            assertEquals("BOUND", stored.get(1).facts().get("state"));
            assertThrows(IllegalArgumentException.class, () -> p.status(r, "T-6"));
        }
    }

    @Test
    void instances_sweeping_at_once_report_each_transition_once() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            exerciseConcurrentSweeps(db, 200);
        }
    }

    static void exerciseConcurrentSweeps(Database db, int terminals) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T08:00:00Z"));
        PresenceService a = service(db, clock);
        PresenceService b = service(db, clock);
        for (int i = 0; i < terminals; i++) {
            (i % 2 == 0 ? a : b).heartbeat(hb("T-" + i, "s", 1, PresenceState.ALIVE), "T-" + i, "test");
        }
        clock.advance(Duration.ofMinutes(2));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> sweeps = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                PresenceService s = k % 2 == 0 ? a : b;
                String name = "sweeper-" + k;
                sweeps.add(pool.submit(() -> {
                    go.await();
                    return s.sweep(name);
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : sweeps) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(terminals, total);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(terminals, a.events(Optional.empty(), 0, 1000).stream()
            .filter(e -> e.event().equals("OFFLINE")).count());
        assertEquals(0, a.list(true, 1000).size());
    }
}
