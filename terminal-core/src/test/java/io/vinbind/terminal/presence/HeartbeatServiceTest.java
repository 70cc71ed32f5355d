package io.vinbind.terminal.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.HeartbeatAck;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When heartbeats go out, what they carry, and how the server's limits are applied. */
class HeartbeatServiceTest {

    final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T08:00:00Z"));
    final List<Heartbeat> sent = new CopyOnWriteArrayList<>();
    final AtomicInteger connection = new AtomicInteger(-1);
    final HeartbeatService hb = new HeartbeatService("TBOX-1", clock, h -> {
        sent.add(h);
        return CompletableFuture.completedFuture(null);
    }, connection::get);

    void advance(int seconds) {
        clock.advance(seconds);
    }

    @Test
    void one_at_once_on_each_connection_then_one_per_interval_while_powered() {
        hb.tick();
        assertEquals(0, sent.size()); // not powered
        hb.powerOn();
        hb.tick();
        assertEquals(0, sent.size()); // not connected
        connection.set(1);
        hb.tick();
        hb.tick();
        assertEquals(1, sent.size()); // at once, once
        advance(59);
        hb.tick();
        assertEquals(1, sent.size());
        advance(1);
        hb.tick();
        assertEquals(2, sent.size());
        connection.set(2); // reconnected: say so at once
        hb.tick();
        assertEquals(3, sent.size());
        assertEquals(List.of(1, 2, 3), sent.stream().map(Heartbeat::sequence).toList());
        assertTrue(sent.stream().allMatch(h -> h.state() == PresenceState.ALIVE && h.session().equals(hb.session())));
    }

    @Test
    void the_servers_limits_set_the_interval_and_power_off_says_so_last() throws Exception {
        hb.powerOn();
        connection.set(1);
        hb.tick();
        hb.ackArrived(JsonCodec.encode(new HeartbeatAck(Protocol.VERSION, sent.get(0).requestId(), "TBOX-1", 10, 60, 50, 2)));
        assertEquals(Duration.ofSeconds(10), hb.interval());
        advance(10);
        hb.tick();
        assertEquals(2, sent.size());
        assertEquals(2, sent.get(1).configVersion()); // tells the server which limits it uses
        hb.ackArrived("{\"version\":2}".getBytes(StandardCharsets.UTF_8)); // malformed: dropped
        hb.ackArrived(JsonCodec.encode(new HeartbeatAck(Protocol.VERSION, "x", "OTHER", 5, 60, 50, 3))); // not ours
        assertEquals(Duration.ofSeconds(10), hb.interval());
        hb.powerOff().get();
        assertEquals(PresenceState.POWER_OFF, sent.get(2).state());
        advance(100);
        hb.tick();
        assertEquals(3, sent.size()); // nothing after OFF
        Heartbeat will = JsonCodec.decode(hb.will(), Heartbeat.class);
        assertEquals(PresenceState.LOST, will.state());
        assertEquals(0, will.sequence());
        assertEquals(hb.session(), will.session());
    }

    @Test
    void a_power_off_heartbeat_that_cannot_go_out_does_not_hold_the_shutdown() throws Exception {
        HeartbeatService stuck = new HeartbeatService("TBOX-1", clock, h -> new CompletableFuture<>(), () -> 1);
        stuck.powerOn();
        long t0 = System.nanoTime();
        stuck.powerOff().get();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= HeartbeatService.POWER_OFF_BOUND.toMillis() - 50 && ms < 10_000, ms + " ms");
    }
}
