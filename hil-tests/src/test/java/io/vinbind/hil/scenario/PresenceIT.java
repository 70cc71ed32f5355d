package io.vinbind.hil.scenario;

import static io.vinbind.hil.scenario.ScenarioSupport.BIND_BOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.presence.StatusRecorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scenario "presence": the terminal daemon on the bench keeps its session while powered and heartbeats; the server
 * marks it online, counts its heartbeats per window, pushes the limits table's interval with its answers, and marks
 * it offline at once when the ignition goes OFF; status records arrive at the pushed send interval; it goes offline (the POWER_OFF heartbeat before the clean DISCONNECT); a daemon
 * restart keeps the records it had not sent and sends them. On a server of its own per test, so that its limits
 * row touches no other scenario's terminals.
 */
class PresenceIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration BOUND = Duration.ofSeconds(30);

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void online_while_powered_heartbeats_at_the_pushed_interval_and_offline_at_power_off() throws Exception {
        try (Bench bench = Bench.builder().name("presence").identities(ScenarioSupport.IDS).seed(ScenarioSupport.SEED)
                .backend(ServerBackend.EMBEDDED).can(CanTransport.IN_JVM).modem(ModemTransport.IN_JVM).build()) {
            ServerApi api = bench.api();
            // every terminal of this server that sent at least 0 heartbeats last window: all of them
            ServerApi.Reply put = api.put("/presence/limits/bench-fast", "{\"priority\":10,\"minHeartbeats\":0,"
                + "\"heartbeatIntervalS\":5,\"sendIntervalS\":5,\"storageRecords\":100}");
            assertEquals(201, put.status(), put.body());

            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
            String path = "/presence/terminals/" + bench.terminalId();
            JsonNode online = await(api, path, n -> n.path("online").asBoolean(false));
            assertEquals(5, online.at("/limits/heartbeatIntervalS").asInt(), online.toString());
            assertEquals("bench-fast", online.path("limitRule").asText());

            // heartbeats keep coming at the pushed 5 s: at least three counted within 20 s
            JsonNode windows = await(api, path + "/windows", n -> n.size() > 0 && total(n) >= 3);
            assertTrue(total(windows) >= 3, windows.toString());

            // status records, one per heartbeat, reach the server every 5 s (the row's send interval)
            JsonNode records = await(api, path + "/records", n -> n.size() >= 2);
            assertEquals("ACC", records.get(0).at("/facts/power").asText(), records.toString());
            assertEquals("BOUND", records.get(0).at("/facts/state").asText(), records.toString());
            // the radio as the modem reported it (the simulator's +CSQ rssi 20 is -73 dBm; registered home on LTE);
            // the first record may be taken before the first read, the later ones carry it
            JsonNode radio = await(api, path + "/records", n -> withRadio(n) != null);
            JsonNode facts = withRadio(radio).path("facts");
            assertEquals("-73", facts.path("rssi").asText(), radio.toString());
            assertEquals("HOME", facts.path("reg").asText(), radio.toString());
            assertEquals("E_UTRAN", facts.path("act").asText(), radio.toString());

            bench.ignition(PowerMode.OFF);
            JsonNode offline = await(api, path, n -> n.has("online") && !n.path("online").asBoolean(true));
            assertTrue(!offline.path("online").asBoolean(), offline.toString());
            JsonNode events = JSON.readTree(api.get(path + "/events").body());
            JsonNode last = events.get(events.size() - 1);
            assertEquals("OFFLINE", last.path("event").asText(), events.toString());
            assertEquals("POWER_OFF", last.path("cause").asText(), events.toString()); // not a timeout: said so
            assertEquals("ONLINE", events.get(0).path("event").asText());
        }
    }

    /**
     * Item 7 of issue 15: a daemon restart keeps the status records it had not sent. A limits row makes the terminal
     * heartbeat every 5 s but send its records only every hour, so they pile up in its store; the daemon is stopped
     * (no POWER_OFF: a restart of the head unit) and started again on the same data directory after the row was
     * changed to a 5 s send interval; every record kept on disk, each of the old session, reaches the server.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void a_restarted_daemon_sends_the_records_it_kept_unsent() throws Exception {
        try (Bench bench = Bench.builder().name("presence-restart").identities(ScenarioSupport.IDS)
                .seed(ScenarioSupport.SEED).backend(ServerBackend.EMBEDDED).can(CanTransport.IN_JVM)
                .modem(ModemTransport.IN_JVM).build()) {
            ServerApi api = bench.api();
            ServerApi.Reply put = api.put("/presence/limits/bench-hold", "{\"priority\":10,\"minHeartbeats\":0,"
                + "\"heartbeatIntervalS\":5,\"sendIntervalS\":3600,\"storageRecords\":100}");
            assertEquals(201, put.status(), put.body());
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
            String path = "/presence/terminals/" + bench.terminalId();
            await(api, path, n -> n.at("/limits/sendIntervalS").asInt() == 3600);
            Path store = bench.terminalDir().resolve(StatusRecorder.FILE);
            awaitRecords(store, 3);
            JsonNode none = JSON.readTree(api.get(path + "/records").body());
            assertEquals(0, none.size(), "records sent despite the 1 h send interval: " + none);

            bench.stopTerminal();
            List<String> kept = records(store); // what the store holds at the stop: each must arrive
            assertTrue(kept.size() >= 3, kept.toString());
            // a record per heartbeat and per power change, not per power-mode frame (20 a second would evict them)
            assertTrue(Files.readAllLines(store).contains("dropped=0"), () -> "records dropped: " + kept.size()
                + " kept in " + store);
            ServerApi.Reply change = api.put("/presence/limits/bench-hold", "{\"priority\":10,\"minHeartbeats\":0,"
                + "\"heartbeatIntervalS\":5,\"sendIntervalS\":5,\"storageRecords\":100}");
            assertEquals(200, change.status(), change.body());
            bench.startTerminal();

            Set<String> expected = new TreeSet<>();
            for (String line : kept) { // session|n=3;t=…;power=ACC;…
                String session = line.substring(0, line.indexOf('|'));
                String n = line.substring(line.indexOf("|n=") + 3, line.indexOf(';'));
                expected.add(session + "#" + n);
            }
            JsonNode got = await(api, path + "/records?limit=200", n -> received(n).containsAll(expected));
            assertTrue(received(got).containsAll(expected), () -> "kept " + expected + ", server has " + received(got));
            String oldSession = kept.get(0).substring(0, kept.get(0).indexOf('|'));
            JsonNode entry = JSON.readTree(api.get(path).body());
            assertTrue(entry.path("online").asBoolean(), entry.toString());
            assertTrue(expected.stream().allMatch(e -> e.startsWith(oldSession + "#")), expected.toString());
        }
    }

    /** The first record that carries the radio's facts, or null. */
    private static JsonNode withRadio(JsonNode records) {
        for (JsonNode r : records) {
            if (r.at("/facts/rssi").isTextual()) {
                return r;
            }
        }
        return null;
    }

    private static Set<String> received(JsonNode records) {
        Set<String> out = new TreeSet<>();
        for (JsonNode r : records) {
            out.add(r.path("session").asText() + "#" + r.path("n").asInt());
        }
        return out;
    }

    private static List<String> records(Path store) throws java.io.IOException {
        if (!Files.exists(store)) {
            return List.of();
        }
        return Files.readAllLines(store).stream().filter(l -> l.indexOf('|') > 0).toList();
    }

    private static List<String> awaitRecords(Path store, int atLeast) throws Exception {
        long until = System.nanoTime() + BOUND.toNanos();
        List<String> last = List.of();
        while (System.nanoTime() < until) {
            last = records(store);
            if (last.size() >= atLeast) {
                return last;
            }
            Thread.sleep(250);
        }
        return fail(store + " did not hold " + atLeast + " records within " + BOUND + "; it holds " + last);
    }

    private static int total(JsonNode windows) {
        int t = 0;
        for (JsonNode w : windows) {
            t += w.path("heartbeats").asInt();
        }
        return t;
    }

    private static JsonNode await(ServerApi api, String path, Predicate<JsonNode> done) throws Exception {
        long until = System.nanoTime() + BOUND.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < until) {
            ServerApi.Reply r = api.get(path);
            if (r.status() == 200) {
                last = JSON.readTree(r.body());
                if (done.test(last)) {
                    return last;
                }
            }
            Thread.sleep(250);
        }
        return fail("GET " + path + " did not become what was awaited within " + BOUND + "; last: " + last);
    }
}
