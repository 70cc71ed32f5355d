package io.vinbind.terminal.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.StatusAck;
import io.vinbind.protocol.StatusReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded store of status records: capacity, dropping the oldest, surviving a restart, sending, answers. */
class StatusRecorderTest {

    @TempDir
    Path dir;
    final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T08:00:00Z"));
    final List<StatusReport> sent = new CopyOnWriteArrayList<>();
    final AtomicInteger connection = new AtomicInteger(1);
    final AtomicInteger capacity = new AtomicInteger(5);

    StatusRecorder recorder(String session) {
        return new StatusRecorder("TBOX-1", session, clock, dir, r -> {
            sent.add(r);
            return CompletableFuture.completedFuture(null);
        }, connection::get, () -> Duration.ofSeconds(60), capacity::get);
    }

    void advance(int seconds) {
        clock.advance(seconds);
    }

    static byte[] ack(StatusReport r) {
        return JsonCodec.encode(new StatusAck(Protocol.VERSION, r.requestId(), "TBOX-1", r.records().size(), 0));
    }

    @Test
    void when_full_the_oldest_go_first_and_are_counted_and_unsent_records_survive_a_restart() {
        StatusRecorder r = recorder("s1");
        for (int i = 0; i < 8; i++) {
            r.record(Map.of("power", "ACC"));
        }
        assertEquals(5, r.pending());
        assertEquals(3, r.dropped());
        StatusRecorder restarted = recorder("s2");
        assertEquals(5, restarted.pending());
        assertEquals(3, restarted.dropped());
        advance(60);
        restarted.tick();
        assertEquals(1, sent.size());
        StatusReport report = sent.get(0);
        assertEquals("s1", report.session()); // the records keep the run they were taken in
        assertEquals(5, report.records().size());
        assertTrue(report.records().get(0).startsWith("n=4;t="), report.records().toString()); // 1..3 went first
        assertEquals(3, report.dropped());
        restarted.ackArrived(ack(report));
        assertEquals(0, restarted.pending());
        assertEquals(0, restarted.dropped());
        assertEquals(0, recorder("s3").pending()); // and the store on disk says so
    }

    @Test
    void records_go_out_every_send_interval_while_connected_and_again_when_the_answer_is_lost() {
        StatusRecorder r = recorder("s1");
        Map<String, String> facts = new java.util.LinkedHashMap<>(); // in order: a record keeps the order it is given
        facts.put("power", "ACC");
        facts.put("state", "BOUND");
        facts.put("bad key", "x");
        facts.put("ok", "has space");
        r.record(facts);
        r.tick();
        assertEquals(0, sent.size()); // not yet an interval
        connection.set(-1);
        advance(60);
        r.tick();
        assertEquals(0, sent.size()); // not connected
        connection.set(2);
        r.tick();
        assertEquals(1, sent.size());
        assertEquals(List.of("n=1;t=2026-12-02T08:00:00Z;power=ACC;state=BOUND"), List.of(sent.get(0).records().get(0)
            .replaceAll(";(ok|bad key)=[^;]*", "")));
        assertTrue(!sent.get(0).records().get(0).contains("bad key") && !sent.get(0).records().get(0).contains("has space"));
        r.tick();
        assertEquals(1, sent.size()); // awaiting the answer
        advance(60); // the answer was lost: the same records again
        r.tick();
        assertEquals(2, sent.size());
        assertEquals(sent.get(0).records(), sent.get(1).records());
        r.ackArrived(ack(sent.get(0))); // an answer to the older report is not the one awaited
        assertEquals(1, r.pending());
        r.ackArrived(ack(sent.get(1)));
        assertEquals(0, r.pending());
    }
}
