package io.vinbind.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server instances with group commit on one private Mosquitto and one PostgreSQL schema, under bursts that
 * make both decide overlapping groups at once: pairs of terminals racing for one VIN (a unique key raced between
 * two instances' groups, or a deadlock between them, makes a group run again without that request, which is then
 * decided alone), and every heartbeat delivered twice (to either instance). Binds stay exact (every answer stored once,
 * one BOUND/REBOUND history row per such answer, one live binding per IMSI and VIN) and heartbeat counts exact
 * (each counted once, whichever instance got the copies).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GroupCommitPostgresIT {

    private static final int TERMINALS = 30;
    private static final int HEARTBEAT_ROUNDS = 5;
    private static final Duration ACK_WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private DbSettings db;
    private MosquittoBroker mosquitto;

    @BeforeEach
    void requireServices() throws Exception {
        ExternalServices.assumePostgres();
        mosquitto = MosquittoBroker.startOrSkip(dir);
        org.junit.jupiter.api.Assumptions.assumeTrue(mosquitto.isPrivate(),
            "skipped: needs a private Mosquitto (other servers on the shared one would take a share of the requests)");
        db = ExternalServices.freshSchema();
    }

    @AfterEach
    void stopServices() throws Exception {
        if (db != null) {
            ExternalServices.dropSchema(db);
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @Test
    void two_instances_keep_binds_and_heartbeat_counts_exact_under_concurrent_groups() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        ServerConfig base = ServerConfig.ephemeral(dir).withExternalBroker(mosquitto.uri()).withDatabase(db);
        try (BindingServer s1 = BindingServer.start(base.withInstanceId("gc-" + run + "-1"));
             BindingServer s2 = BindingServer.start(base.withInstanceId("gc-" + run + "-2"));
             TestMqttClient fleet = new TestMqttClient(mosquitto.uri(), "fleet-" + run);
             Database check = Database.open(db)) {
            for (String kind : List.of("login", "bind", "heartbeat")) {
                fleet.subscribe("vinbind/v2/+/" + kind + "/ack");
            }
            List<String> imsis = new ArrayList<>();
            for (int i = 0; i < TERMINALS; i++) {
                String imsi = Fixtures.imsi(810_000 + i);
                imsis.add(imsi);
                s1.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
            }
            for (String imsi : imsis) { // a burst: the instances take them in groups
                LoginRequest r = LoginRequest.of("login-" + imsi, Fixtures.terminalOf(imsi), imsi, Fixtures.iccidOf(imsi),
                    Fixtures.imeiOf(imsi));
                fleet.publish(r.topic(), JsonCodec.encode(r));
            }
            for (String imsi : imsis) {
                LoginAck ack = JsonCodec.decodeLoginAck(fleet.await(Topics.loginAck(Fixtures.terminalOf(imsi)), ACK_WAIT));
                assertEquals(LoginOutcome.ACCEPTED, ack.outcome(), ack.toString());
            }

            // terminals 2k and 2k+1 both upload VIN a_k at once; terminal 2k then moves on to b_k
            Map<String, List<String>> uploads = new HashMap<>();
            for (int k = 0; k < TERMINALS / 2; k++) {
                String a = Fixtures.vin(520_000 + k);
                String b = Fixtures.vin(620_000 + k);
                bind(fleet, imsis.get(2 * k), "a-" + k + "-x", a, uploads);
                bind(fleet, imsis.get(2 * k + 1), "a-" + k + "-y", a, uploads);
                bind(fleet, imsis.get(2 * k), "b-" + k + "-x", b, uploads);
            }
            int bound = 0;
            Map<String, String> answered = new HashMap<>();
            for (String imsi : imsis) {
                for (int n = 0; n < uploads.get(imsi).size(); n++) {
                    BindAck ack = JsonCodec.decodeBindAck(fleet.await(Topics.bindAck(Fixtures.terminalOf(imsi)), ACK_WAIT));
                    assertTrue(ack.outcome().isBound(), "every upload decided, none lost to a conflict: " + ack);
                    answered.put(ack.requestId(), ack.outcome().name());
                    if (ack.outcome() == BindOutcome.BOUND || ack.outcome() == BindOutcome.REBOUND) {
                        bound++;
                    }
                }
            }
            assertEquals(3 * TERMINALS / 2, answered.size(), "one answer per upload: " + answered);
            for (Map.Entry<String, String> e : answered.entrySet()) {
                assertEquals(List.of(e.getValue()), strings(check, "SELECT outcome FROM processed_request"
                    + " WHERE kind = 'BIND' AND request_id = ?", e.getKey()), "answer of " + e.getKey() + " stored once, as sent");
            }
            assertEquals(bound, count(check, "SELECT COUNT(*) FROM history WHERE event IN ('BOUND', 'REBOUND')"),
                "one BOUND/REBOUND row per such answer: nothing written twice, nothing lost");
            assertEquals(count(check, "SELECT COUNT(DISTINCT vin) FROM binding"), count(check, "SELECT COUNT(*) FROM binding"));

            // heartbeats: every one delivered twice, in rounds (a terminal sends one per interval)
            for (int seq = 1; seq <= HEARTBEAT_ROUNDS; seq++) {
                for (int copy = 0; copy < 2; copy++) {
                    for (String imsi : imsis) {
                        String t = Fixtures.terminalOf(imsi);
                        Heartbeat hb = new Heartbeat(Protocol.VERSION, "hb-" + seq, t, "s-" + run, seq,
                            PresenceState.ALIVE, 0);
                        fleet.publish(Topics.heartbeat(t), JsonCodec.encode(hb));
                    }
                }
                for (String imsi : imsis) {
                    for (int copy = 0; copy < 2; copy++) {
                        fleet.await(Topics.heartbeatAck(Fixtures.terminalOf(imsi)), ACK_WAIT);
                    }
                }
            }
            for (String imsi : imsis) {
                assertEquals(HEARTBEAT_ROUNDS, count(check, "SELECT COALESCE(SUM(heartbeats), 0) FROM presence_window"
                    + " WHERE terminal_id = '" + Fixtures.terminalOf(imsi) + "'"), "heartbeats of " + imsi + " counted once each");
            }
            assertEquals(TERMINALS, count(check, "SELECT COUNT(*) FROM presence_event WHERE event = 'ONLINE'"),
                "one ONLINE transition per terminal");
            long groups = s1.metrics().get("db.group.size.count") + s2.metrics().get("db.group.size.count");
            assertTrue(groups > 0, "the bursts were decided in groups: " + s1.metrics().snapshot() + " / "
                + s2.metrics().snapshot());
            assertTrue(s1.metrics().get("heartbeat.received") > 0 && s2.metrics().get("heartbeat.received") > 0,
                "both instances took a share");
        }
    }

    private static void bind(TestMqttClient fleet, String imsi, String requestId, String vin,
                             Map<String, List<String>> uploads) throws Exception {
        BindRequest r = BindRequest.of(requestId, Fixtures.terminalOf(imsi), imsi, Fixtures.iccidOf(imsi),
            Fixtures.imeiOf(imsi), vin, UploadReason.ASSEMBLY);
        fleet.publish(r.topic(), JsonCodec.encode(r));
        uploads.computeIfAbsent(imsi, i -> new ArrayList<>()).add(requestId);
    }

    private static long count(Database db, String sql) throws Exception {
        return db.query("count", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    private static List<String> strings(Database db, String sql, String arg) throws Exception {
        return db.query("strings", c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, arg);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }
}
