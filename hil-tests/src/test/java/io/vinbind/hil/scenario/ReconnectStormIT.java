package io.vinbind.hil.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.perf.PrivateMosquitto;
import io.vinbind.hil.perf.RawMqtt;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.HeartbeatAck;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.TopicAddress;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.BindingServer;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.pki.TestPki;
import io.vinbind.server.pki.TlsMaterial;
import io.vinbind.server.presence.Limits;
import io.vinbind.server.presence.PresenceSettings;
import io.vinbind.server.store.DbSettings;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinylog.Logger;

/**
 * Scenario "broker outage and reconnect storm" (issue 15, items 3 and 7): a Mosquitto of the test's own as a
 * deployment runs it ({@code mosquitto-config}: TLS, a certificate per terminal, vinbind's ACL plugin), TWO binding
 * servers in the share group on one PostgreSQL schema, and 1,000 simulated terminals ({@link RawMqtt}, each with its
 * own certificate) that heartbeat, log in and bind. Half bind before the outage; the other half send their bind and
 * the broker is killed (SIGKILL) right after, so some of those requests are lost in flight. While the broker is down
 * for longer than the presence timeout, the two instances' sweepers mark every terminal offline; then the broker
 * comes back on the same port and all 1,000 terminals reconnect at once and repeat what is unanswered, as the daemon
 * does (the same request again, the same heartbeat sequence).
 *
 * <p>Asserted: no binding lost (every bind answered BOUND or ALREADY_BOUND; the database holds exactly 1,000 live
 * bindings, each IMSI to its VIN, and one BOUND history row each), presence consistent whichever instance took
 * which message (each terminal online once at the end; its transitions exactly ONLINE/FIRST_HEARTBEAT,
 * OFFLINE/TIMEOUT, ONLINE/HEARTBEAT, none twice although two instances sweep; no terminal marked offline before the
 * timeout, and each within the timeout plus one sweep period plus a generous margin for a loaded machine; every
 * heartbeat counted once, repeats included), and a bounded backlog (counts, not times: every request drained, at
 * most one un-answered request per terminal in flight, at most {@value #MAX_SENDS} sends of one request).
 */
class ReconnectStormIT {

    static final int TERMINALS = 1000;
    /** The presence timeout: the smallest the server allows, so the outage outlasts it in a bounded test. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A terminal repeats an unanswered request after this long, as the daemon's retry does. */
    static final Duration RESEND = Duration.ofSeconds(5);
    /** A request sent more often than this means something is stuck: the round fails. */
    static final int MAX_SENDS = 30;
    static final Duration ROUND_BOUND = Duration.ofSeconds(120);
    /** Slack on top of timeout + one sweep for the offline mark: the sweeps of 1,000 rows on a loaded 2-core box. */
    static final Duration SWEEP_SLACK = Duration.ofSeconds(30);

    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final String[] tid = new String[TERMINALS];
    private final Identity[] modems = new Identity[TERMINALS];
    private final String[] vin = new String[TERMINALS];
    private final int[] sequence = new int[TERMINALS];
    private final Map<String, Integer> index = new HashMap<>();
    private final RawMqtt.Connection[] conns = new RawMqtt.Connection[TERMINALS];
    private final SSLContext[] tls = new SSLContext[TERMINALS];
    /** requestId -> the first answer to it. */
    private final Map<String, Object> answers = new ConcurrentHashMap<>();
    private final AtomicInteger repeatedAnswers = new AtomicInteger();
    private final AtomicInteger foreignAnswers = new AtomicInteger();

    /** One request of one terminal: sent again, unchanged, until answered. */
    record Request(int k, String requestId, String topic, byte[] payload) { }

    /** A round's counts. */
    record Round(String name, int requests, int sends, int maxUnanswered, Map<String, Integer> outcomes) { }

    @Test
    @Timeout(value = 9, unit = TimeUnit.MINUTES)
    void no_binding_lost_and_presence_consistent_through_a_broker_outage_and_a_reconnect_storm() throws Exception {
        String plugin = PrivateMosquitto.securedUnavailableReason();
        Assumptions.assumeTrue(plugin == null, () -> "skipped: " + plugin);
        String why = ServerBackend.MOSQUITTO_POSTGRES.unavailableReason();
        Assumptions.assumeTrue(why == null, why);
        Identities ids = new Identities(0x5707_3L);
        Set<String> imsis = new HashSet<>();
        Set<String> vins = new HashSet<>();
        for (int k = 0; k < TERMINALS; k++) {
            Identity m;
            do {
                m = ids.modem();
            } while (!imsis.add(m.imsi().value()));
            modems[k] = m;
            String v;
            do {
                v = ids.vin();
            } while (!vins.add(v));
            vin[k] = v;
            tid[k] = "STORM-" + runId + "-" + k;
            index.put(tid[k], k);
        }
        Path dir = Files.createTempDirectory("vinbind-storm-");
        String schema = "storm_" + runId;
        PrivateMosquitto broker = null;
        List<BindingServer> servers = new ArrayList<>();
        try {
            Path pkiDir = Files.createDirectories(dir.resolve("pki"));
            TestPki pki = TestPki.openOrCreate(pkiDir);
            broker = PrivateMosquitto.startSecured(Files.createDirectories(dir.resolve("mosquitto")), pkiDir);
            PresenceSettings presence = new PresenceSettings(Duration.ofHours(1), TIMEOUT, new Limits(10, 60, 500));
            DbSettings db = new DbSettings(ServerBackend.POSTGRES_URL, Optional.of(ServerBackend.POSTGRES_USER),
                    Optional.empty(), Optional.of(schema), 8);
            for (String name : List.of("a", "b")) {
                servers.add(BindingServer.start(ServerConfig.ephemeral(dir.resolve(name)).withPkiDir(pkiDir)
                        .withExternalBroker(broker.uri()).withInstanceId("storm-" + name + "-" + runId).withDatabase(db),
                        Clock.systemUTC(), List.of(), presence));
            }
            StringBuilder csv = new StringBuilder("imsi,iccid,imei,batch,part_number\n");
            for (Identity m : modems) {
                csv.append(m.imsi().value()).append(',').append(m.iccid().value()).append(',').append(m.imei().value())
                        .append(",storm-").append(runId).append(",TBOX-STORM\n");
            }
            servers.get(0).registry().importCsv(new StringReader(csv.toString()));
            for (int k = 0; k < TERMINALS; k++) {
                TestPki.Issued issued = pki.issueTerminal(tid[k]);
                tls[k] = TlsMaterial.clientContext(pki.serviceCaFile(), issued.certificateFile(), issued.keyFile());
            }
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", broker.uri().getPort());
            try (RawMqtt crowd = new RawMqtt(address, "storm-crowd")) {
                int first = connectAll(crowd, 100);
                assertEquals(TERMINALS, first, "connect attempts before the outage");
                Round hb1 = round("heartbeat 1", all(), this::heartbeat);
                assertEquals(Map.of("OK", TERMINALS), hb1.outcomes(), hb1.toString());
                Round login1 = round("login 1", all(), k -> login(k, "lg1"));
                assertEquals(Map.of("ACCEPTED", TERMINALS), login1.outcomes(), login1.toString());
                int[] groupA = range(0, TERMINALS / 2);
                int[] groupB = range(TERMINALS / 2, TERMINALS);
                Round bindA = round("bind A", groupA, k -> bind(k, "bdA"));
                assertEquals(Map.of("BOUND", groupA.length), bindA.outcomes(), bindA.toString());

                // group B uploads, and the broker dies under it
                List<Request> inFlight = new ArrayList<>();
                for (int k : groupB) {
                    Request r = bind(k, "bdB");
                    inFlight.add(r);
                    conns[k].publish(r.topic(), r.payload());
                }
                Thread.sleep(30);
                for (RawMqtt.Connection c : conns) {
                    c.expectLoss();
                }
                broker.kill();
                int answeredBeforeKill = (int) inFlight.stream().filter(r -> answers.containsKey(r.requestId())).count();
                Logger.info("storm: broker killed; {} of {} binds of group B answered before", answeredBeforeKill,
                        groupB.length);

                // the outage outlasts the timeout: both instances' sweepers mark every terminal offline, once each
                Duration sweep = presence.sweepPeriod();
                awaitCount(schema, "SELECT COUNT(*) FROM presence_event WHERE event = 'OFFLINE' AND terminal_id LIKE 'STORM-"
                        + runId + "-%'", TERMINALS, TIMEOUT.plus(sweep).plus(SWEEP_SLACK).plusSeconds(30));
                long[] lateness = offlineLateness(schema);
                assertTrue(lateness[0] >= TIMEOUT.toMillis(), "a terminal was marked offline " + lateness[0]
                        + " ms after its last heartbeat, before the " + TIMEOUT + " timeout");
                assertTrue(lateness[1] <= TIMEOUT.plus(sweep).plus(SWEEP_SLACK).toMillis(), "a terminal was marked"
                        + " offline " + lateness[1] + " ms after its last heartbeat: later than timeout + one sweep ("
                        + sweep + ") + " + SWEEP_SLACK);
                Logger.info("storm: offline after {}..{} ms of silence (timeout {}, sweep every {})", lateness[0],
                        lateness[1], TIMEOUT, sweep);

                // back on the same port; all 1,000 reconnect at once
                broker.restart();
                int attempts = connectAll(crowd, TERMINALS);
                Logger.info("storm: 1000 terminals reconnected in {} connect attempts", attempts);
                assertTrue(attempts <= TERMINALS * 10, "connect attempts in the storm: " + attempts);
                // the daemon repeats its heartbeat; the un-answered binds of group B go again unchanged
                Round hb2 = round("heartbeat 2", all(), this::heartbeat);
                assertEquals(Map.of("OK", TERMINALS), hb2.outcomes(), hb2.toString());
                Round login2 = round("login 2", all(), k -> login(k, "lg2"));
                assertEquals(Map.of("ACCEPTED", TERMINALS), login2.outcomes(), login2.toString());
                Map<String, Request> byTerminal = new HashMap<>();
                inFlight.forEach(r -> byTerminal.put(tid[r.k()], r));
                Round bindB = round("bind B again", groupB, k -> byTerminal.get(tid[k]));
                assertEquals(groupB.length, bindB.outcomes().getOrDefault("BOUND", 0)
                        + bindB.outcomes().getOrDefault("ALREADY_BOUND", 0), bindB.toString());
                Round bindA2 = round("bind A again", groupA, k -> bind(k, "bdA2"));
                assertEquals(Map.of("ALREADY_BOUND", groupA.length), bindA2.outcomes(), bindA2.toString());
                Round hb3 = round("heartbeat 3", all(), this::heartbeat);
                assertEquals(Map.of("OK", TERMINALS), hb3.outcomes(), hb3.toString());
                for (Round r : List.of(hb1, login1, bindA, hb2, login2, bindB, bindA2, hb3)) {
                    assertTrue(r.maxUnanswered() <= r.requests(), r.toString());
                }
                Logger.info("storm: {} answers repeated (to requests sent again), {} foreign", repeatedAnswers.get(),
                        foreignAnswers.get());
                assertEquals(0, foreignAnswers.get(), "answers to no request of this run's terminals");
                for (RawMqtt.Connection c : conns) {
                    c.disconnect();
                }
            }
            assertDatabase(schema);
        } finally {
            for (BindingServer s : servers) {
                s.close();
            }
            if (broker != null) {
                broker.close();
            }
            dropSchema(schema);
            Bench.deleteTree(dir);
        }
    }

    private void assertDatabase(String schema) throws SQLException {
        String mine = "'STORM-" + runId + "-%'";
        try (Connection c = DriverManager.getConnection(ServerBackend.POSTGRES_URL, ServerBackend.POSTGRES_USER, "");
             Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            Map<String, String> bound = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT imsi, vin FROM binding")) {
                while (rs.next()) {
                    bound.put(rs.getString(1), rs.getString(2));
                }
            }
            assertEquals(TERMINALS, bound.size(), "live bindings");
            for (int k = 0; k < TERMINALS; k++) {
                assertEquals(vin[k], bound.get(modems[k].imsi().value()), "binding of terminal " + k);
            }
            assertEquals(List.of((long) TERMINALS, (long) TERMINALS), longs(st,
                    "SELECT COUNT(*), COUNT(DISTINCT imsi) FROM history WHERE event = 'BOUND'"), "BOUND history rows");
            assertEquals(List.of(0L), longs(st, "SELECT COUNT(*) FROM history WHERE event <> 'BOUND' AND vin IS NOT NULL"
                    + " AND event IN ('REBOUND', 'UNBOUND')"), "no rebind or unbind in the storm");
            assertEquals(List.of((long) TERMINALS, (long) TERMINALS), longs(st, "SELECT COUNT(*), SUM(CASE WHEN online"
                    + " THEN 1 ELSE 0 END) FROM presence WHERE terminal_id LIKE " + mine), "presence rows, online");
            // every heartbeat counted once, whichever instance took it and however often it was sent
            assertEquals(List.of((long) TERMINALS, 3L, 3L), longs(st, "SELECT COUNT(*), MIN(h), MAX(h) FROM (SELECT"
                    + " terminal_id, SUM(heartbeats) AS h FROM presence_window WHERE terminal_id LIKE " + mine
                    + " GROUP BY terminal_id) t"), "heartbeats counted per terminal: {terminals, min, max}");
            Map<String, List<String>> events = new HashMap<>();
            Map<String, Integer> sources = new TreeMap<>();
            try (ResultSet rs = st.executeQuery("SELECT terminal_id, event, cause, source FROM presence_event WHERE"
                    + " terminal_id LIKE " + mine + " ORDER BY id")) {
                while (rs.next()) {
                    events.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(2) + "/" + rs.getString(3));
                    sources.merge(rs.getString(4), 1, Integer::sum);
                }
            }
            assertEquals(TERMINALS, events.size(), "terminals with presence events");
            Map<List<String>, Integer> shapes = new LinkedHashMap<>();
            events.values().forEach(e -> shapes.merge(e, 1, Integer::sum));
            assertEquals(Map.of(List.of("ONLINE/FIRST_HEARTBEAT", "OFFLINE/TIMEOUT", "ONLINE/HEARTBEAT"), TERMINALS),
                    shapes, "each terminal's transitions");
            Logger.info("storm: presence events by source {}", sources);
        }
    }

    /** Connects every terminal not connected, at most {@code window} handshakes at once, each retried; attempts. */
    private int connectAll(RawMqtt crowd, int window) throws InterruptedException {
        AtomicInteger attempts = new AtomicInteger();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(window);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(TERMINALS);
        for (int k = 0; k < TERMINALS; k++) {
            assertTrue(slots.tryAcquire(60, TimeUnit.SECONDS), "no connect finished within 60 s");
            connect(crowd, k, slots, done, attempts, 1);
        }
        assertTrue(done.await(ROUND_BOUND.toSeconds(), TimeUnit.SECONDS), "terminals not connected: " + done.getCount());
        for (int k = 0; k < TERMINALS; k++) {
            assertTrue(conns[k] != null && conns[k].isOpen(), "terminal " + k + " not connected after its retries");
        }
        return attempts.get();
    }

    private void connect(RawMqtt crowd, int k, java.util.concurrent.Semaphore slots,
                         java.util.concurrent.CountDownLatch done, AtomicInteger attempts, int attempt) {
        attempts.incrementAndGet();
        crowd.connect(tid[k], this::message, RawMqtt.ConnectOptions.tls(tls[k], "127.0.0.1")
                        .withTimeout(Duration.ofSeconds(60)))
                .thenCompose(c -> {
                    conns[k] = c;
                    return c.subscribe(List.of(Topics.heartbeatAck(tid[k]), Topics.loginAck(tid[k]), Topics.bindAck(tid[k])));
                })
                .whenComplete((ok, err) -> {
                    if (err == null) {
                        slots.release();
                        done.countDown();
                    } else if (attempt >= 10) {
                        Logger.warn("terminal {} gave up connecting after {} attempts: {}", k, attempt, err.getMessage());
                        slots.release();
                        done.countDown();
                    } else {
                        // as the daemon does: a pause, then again (off the selector thread)
                        java.util.concurrent.CompletableFuture.delayedExecutor(500L * attempt, TimeUnit.MILLISECONDS)
                                .execute(() -> connect(crowd, k, slots, done, attempts, attempt + 1));
                    }
                });
    }

    /** Sends every terminal's request, then repeats the unanswered ones every {@link #RESEND} until all are answered. */
    private Round round(String name, int[] who, IntFunction<Request> make) throws InterruptedException {
        Map<String, Request> pending = new LinkedHashMap<>();
        for (int k : who) {
            Request r = make.apply(k);
            pending.put(r.requestId(), r);
        }
        int requests = pending.size();
        Map<String, Integer> sends = new HashMap<>();
        Map<String, Request> all = new HashMap<>(pending);
        long deadline = System.nanoTime() + ROUND_BOUND.toNanos();
        long nextSend = 0;
        int maxUnanswered = 0;
        int totalSends = 0;
        while (true) {
            pending.keySet().removeIf(answers::containsKey);
            maxUnanswered = Math.max(maxUnanswered, pending.size());
            if (pending.isEmpty()) {
                break;
            }
            long now = System.nanoTime();
            assertTrue(now < deadline, name + ": " + pending.size() + " of " + requests + " unanswered after " + ROUND_BOUND);
            if (now >= nextSend) {
                for (Request r : pending.values()) {
                    RawMqtt.Connection c = conns[r.k()];
                    if (c != null && c.isOpen()) {
                        int n = sends.merge(r.requestId(), 1, Integer::sum);
                        assertTrue(n <= MAX_SENDS, name + ": " + r.requestId() + " sent " + n + " times");
                        totalSends++;
                        c.publish(r.topic(), r.payload());
                    }
                }
                nextSend = now + RESEND.toNanos();
            }
            Thread.sleep(50);
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        for (String id : all.keySet()) {
            outcomes.merge(outcome(answers.get(id)), 1, Integer::sum);
        }
        Round r = new Round(name, requests, totalSends, maxUnanswered, outcomes);
        Logger.info("storm: {}", r);
        return r;
    }

    private static String outcome(Object ack) {
        if (ack instanceof HeartbeatAck) {
            return "OK";
        } else if (ack instanceof LoginAck l) {
            return l.outcome().name();
        } else if (ack instanceof BindAck b) {
            return b.outcome().name();
        }
        return String.valueOf(ack);
    }

    private Request heartbeat(int k) {
        int seq = ++sequence[k];
        String id = "hb-" + k + "-" + seq;
        return new Request(k, id, Topics.heartbeat(tid[k]), JsonCodec.encode(new Heartbeat(Protocol.VERSION, id, tid[k],
                "storm-" + runId, seq, PresenceState.ALIVE, 1)));
    }

    private Request login(int k, String tag) {
        String id = tag + "-" + k;
        Identity m = modems[k];
        return new Request(k, id, Topics.login(tid[k]), JsonCodec.encode(LoginRequest.of(id, tid[k], m.imsi().value(),
                m.iccid().value(), m.imei().value())));
    }

    private Request bind(int k, String tag) {
        String id = tag + "-" + k;
        Identity m = modems[k];
        return new Request(k, id, Topics.bind(tid[k]), JsonCodec.encode(BindRequest.of(id, tid[k], m.imsi().value(),
                m.iccid().value(), m.imei().value(), vin[k], UploadReason.ASSEMBLY)));
    }

    /** Every answer a terminal receives (selector thread): kept by requestId, the first one. */
    private void message(RawMqtt.Connection c, String topic, byte[] payload) {
        try {
            TopicAddress a = Topics.parse(topic);
            Integer k = index.get(a.terminalId());
            Object ack = switch (a.type()) {
                case HEARTBEAT_ACK -> JsonCodec.decode(payload, HeartbeatAck.class);
                case LOGIN_ACK -> JsonCodec.decodeLoginAck(payload);
                case BIND_ACK -> JsonCodec.decodeBindAck(payload);
                default -> null;
            };
            String requestId = ack instanceof HeartbeatAck h ? h.requestId() : ack instanceof LoginAck l ? l.requestId()
                    : ack instanceof BindAck b ? b.requestId() : null;
            if (k == null || requestId == null || (ack instanceof BindAck b && !b.vin().equals(vin[k]))) {
                foreignAnswers.incrementAndGet();
                Logger.warn("storm: unexpected answer on {}", io.vinbind.log.Untrusted.escape(topic));
                return;
            }
            if (answers.putIfAbsent(requestId, ack) != null) {
                repeatedAnswers.incrementAndGet();
            }
        } catch (ProtocolException | IllegalArgumentException e) {
            foreignAnswers.incrementAndGet();
            Logger.warn("storm: undecodable answer on {}: {}", io.vinbind.log.Untrusted.escape(topic), e.getMessage());
        }
    }

    /** {min, max} ms between a terminal's last heartbeat and its OFFLINE/TIMEOUT event. */
    private long[] offlineLateness(String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(ServerBackend.POSTGRES_URL, ServerBackend.POSTGRES_USER, "");
             Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            try (ResultSet rs = st.executeQuery("SELECT at, last_seen FROM presence_event WHERE event = 'OFFLINE'"
                    + " AND terminal_id LIKE 'STORM-" + runId + "-%'")) {
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                while (rs.next()) {
                    long ms = rs.getTimestamp(1).getTime() - rs.getTimestamp(2).getTime();
                    min = Math.min(min, ms);
                    max = Math.max(max, ms);
                }
                return new long[] {min, max};
            }
        }
    }

    private static void awaitCount(String schema, String sql, long expected, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        long seen = -1;
        try (Connection c = DriverManager.getConnection(ServerBackend.POSTGRES_URL, ServerBackend.POSTGRES_USER, "");
             Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            while (System.nanoTime() < deadline) {
                seen = longs(st, sql).get(0);
                if (seen >= expected) {
                    assertEquals(expected, seen, sql);
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new AssertionError(sql + ": " + seen + " after " + bound + ", expected " + expected);
    }

    private static List<Long> longs(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            List<Long> out = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                out.add(rs.getLong(i));
            }
            return out;
        }
    }

    private static int[] all() {
        return range(0, TERMINALS);
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    private static void dropSchema(String schema) {
        try (Connection c = DriverManager.getConnection(ServerBackend.POSTGRES_URL, ServerBackend.POSTGRES_USER, "");
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            Logger.warn("could not drop schema {}: {}", schema, e.getMessage());
        }
    }
}
