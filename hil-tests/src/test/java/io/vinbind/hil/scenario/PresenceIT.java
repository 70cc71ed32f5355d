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
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Scenario "presence": the terminal daemon on the bench keeps its session while powered and heartbeats; the server
 * marks it online, counts its heartbeats per window, pushes the limits table's interval with its answers, and marks
 * it offline at once when the ignition goes OFF; status records arrive at the pushed send interval; it goes offline (the POWER_OFF heartbeat before the clean DISCONNECT). On a server of
 * its own, so that its limits row touches no other scenario's terminals.
 */
class PresenceIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration BOUND = Duration.ofSeconds(30);

    @Test
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
