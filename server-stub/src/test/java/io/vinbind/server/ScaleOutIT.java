package io.vinbind.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.server.binding.Binding;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import io.vinbind.server.store.DbSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server instances on one Mosquitto and one PostgreSQL database share the requests through the MQTT 5
 * shared subscription; concurrent conflicting uploads (two IMSIs for one VIN, one IMSI for two VINs) leave
 * exactly one live binding per VIN and per IMSI, and the history explains every live binding.
 */
class ScaleOutIT {

    private static final int PAIRS = 6;

    @TempDir
    Path dir;

    private DbSettings db;
    private MosquittoBroker mosquitto;

    @BeforeEach
    void requireServices() throws Exception {
        ExternalServices.assumePostgres();
        mosquitto = MosquittoBroker.startOrSkip(dir);
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
    void two_instances_keep_one_live_binding_per_vin_and_per_imsi_under_conflicting_uploads() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        ServerConfig base = ServerConfig.ephemeral(dir).withExternalBroker(mosquitto.uri()).withDatabase(db);
        try (BindingServer s1 = BindingServer.start(base.withInstanceId("it-" + run + "-1"));
             BindingServer s2 = BindingServer.start(base.withInstanceId("it-" + run + "-2"))) {
            // terminals 0..2*PAIRS-1; pair k = terminals 2k and 2k+1
            List<TestTerminal> terminals = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * PAIRS; i++) {
                    String imsi = Fixtures.imsi(900_000 + i);
                    s1.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
                    TestTerminal t = new TestTerminal(mosquitto.uri(), imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi));
                    terminals.add(t);
                    t.login();
                }
                // conflict 1: both terminals of pair k upload VIN a_k at the same moment (two IMSIs, one VIN)
                // conflict 2: the first terminal of pair k also uploads VIN b_k right away (one IMSI, two VINs)
                Map<String, String> vinsA = new HashMap<>();
                List<TestTerminal> expectingAcks = new ArrayList<>();
                for (int k = 0; k < PAIRS; k++) {
                    String a = Fixtures.vin(500_000 + k);
                    String b = Fixtures.vin(600_000 + k);
                    vinsA.put(a, b);
                    TestTerminal x = terminals.get(2 * k);
                    TestTerminal y = terminals.get(2 * k + 1);
                    publish(x, x.request(a));
                    publish(y, y.request(a));
                    publish(x, x.request(b));
                    expectingAcks.add(x);
                    expectingAcks.add(y);
                    expectingAcks.add(x);
                }
                for (TestTerminal t : expectingAcks) {
                    BindAck ack = t.bindAck();
                    assertTrue(ack.outcome().isBound(), "every upload decided: " + ack);
                }

                for (BindingServer s : List.of(s1, s2)) {
                    assertTrue(s.metrics().get("bind.received") > 0,
                        "both instances took a share of the requests: " + s.metrics().snapshot());
                }
                Map<String, String> vinOfImsi = new HashMap<>();
                for (Map.Entry<String, String> e : vinsA.entrySet()) {
                    for (String vin : List.of(e.getKey(), e.getValue())) {
                        Optional<Binding> live = s2.bindings().bindingOfVin(vin);
                        live.ifPresent(bd -> {
                            String before = vinOfImsi.put(bd.imsi(), vin);
                            assertEquals(null, before, "IMSI " + bd.imsi() + " bound to two VINs");
                        });
                        List<HistoryEntry> h = s1.history().forVin(vin, 100);
                        long bound = h.stream().filter(x -> x.vin().equals(Optional.of(vin))
                            && (x.event() == HistoryEvent.BOUND || x.event() == HistoryEvent.REBOUND)).count();
                        long released = h.stream().filter(x -> x.vin().equals(Optional.of(vin))
                            && x.event() == HistoryEvent.RELEASED).count();
                        assertEquals(live.isPresent() ? 1 : 0, bound - released,
                            "history explains VIN " + vin + ": " + h);
                        if (live.isPresent()) {
                            HistoryEntry last = h.stream().filter(x -> x.event() == HistoryEvent.BOUND
                                || x.event() == HistoryEvent.REBOUND).reduce((p, q) -> q).orElseThrow();
                            assertEquals(Optional.of(live.get().imsi()), last.imsi(), "the last bind is the live one");
                        }
                    }
                    // whatever order the instances decided pair k's three uploads in, the last of them left a_k or
                    // b_k bound (x's later upload may take a_k from y, or move x from a_k to b_k)
                    assertTrue(s1.bindings().bindingOfVin(e.getKey()).isPresent()
                        || s1.bindings().bindingOfVin(e.getValue()).isPresent(), "pair of " + e.getKey());
                }
                assertTrue(vinOfImsi.size() >= PAIRS && vinOfImsi.size() <= 2 * PAIRS, vinOfImsi.toString());
            } finally {
                for (TestTerminal t : terminals) {
                    t.close();
                }
            }
        }
    }

    private static void publish(TestTerminal t, BindRequest req) throws Exception {
        t.mqtt.publish(io.vinbind.protocol.Topics.bind(t.terminalId), io.vinbind.protocol.JsonCodec.encode(req));
    }
}
