package io.vinbind.server.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.vinbind.protocol.PresenceState;
import io.vinbind.server.Fixtures;
import io.vinbind.server.store.Database;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The presence webhook against a real HTTP server on 127.0.0.1 (the JDK's): events in order, once, only marked
 * delivered after a 2xx, again after a failure; one deliverer among instances; its option's errors.
 */
@Timeout(60)
class EventWebhookTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private HttpServer backEnd;
    private final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> auth = new ConcurrentLinkedQueue<>();
    /** Statuses the back end answers, in turn; 200 once they are used up. */
    private final List<Integer> answers = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private Database db;
    private MutableClock clock;
    private PresenceService presence;
    private final List<EventWebhook> hooks = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        backEnd = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backEnd.createContext("/hooks/presence", x -> {
            int n = requests.getAndIncrement();
            int status;
            synchronized (answers) {
                status = n < answers.size() ? answers.get(n) : 200;
            }
            byte[] in = x.getRequestBody().readAllBytes();
            if (status == 200) {
                bodies.add(JSON.readTree(in));
                auth.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            }
            byte[] out = (status == 200 ? "ok" : "down for maintenance").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(status, out.length);
            x.getResponseBody().write(out);
            x.close();
        });
        backEnd.start();
        db = Fixtures.memoryDatabase();
        clock = new MutableClock(Instant.parse("2026-12-02T08:00:00Z"));
        presence = PresenceServiceTest.service(db, clock);
    }

    @AfterEach
    void stop() {
        hooks.forEach(EventWebhook::close);
        if (db != null) {
            db.close();
        }
        if (backEnd != null) {
            backEnd.stop(0);
        }
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + backEnd.getAddress().getPort() + "/hooks/presence");
    }

    private EventWebhook hook(String owner, Optional<String> token) throws Exception {
        EventWebhook h = new EventWebhook(db, new EventWebhook.Target(url(), token, Optional.empty()), owner, clock);
        hooks.add(h);
        return h;
    }

    private void online(String terminal) throws Exception {
        presence.heartbeat(PresenceServiceTest.hb(terminal, "s1", 1, PresenceState.ALIVE), terminal, "test");
    }

    private List<Long> deliveredIds() {
        List<Long> ids = new ArrayList<>();
        bodies.forEach(b -> b.get("events").forEach(e -> ids.add(e.get("id").asLong())));
        return ids;
    }

    @Test
    void events_go_out_oldest_first_once_and_again_after_a_failure() throws Exception {
        EventWebhook h = hook("instance-a", Optional.of("hook-token"));
        assertEquals(0, h.deliverOnce(), "nothing to deliver");
        assertEquals(0, requests.get(), "and nothing sent");
        synchronized (answers) {
            answers.add(503);
        }
        online("T-1");
        online("T-2");
        presence.heartbeat(PresenceServiceTest.hb("T-1", "s1", 2, PresenceState.POWER_OFF), "T-1", "test");
        assertEquals(0, h.deliverOnce(), "the back end is down: nothing taken");
        assertEquals(1, h.failures());
        assertTrue(h.lastError().orElse("").contains("HTTP 503 down for maintenance"), h.lastError().toString());
        assertEquals(3, presence.events(Optional.empty(), 0, 10).size());

        assertEquals(3, h.deliverOnce(), "taken once it is back");
        assertEquals(List.of("Bearer hook-token"), List.copyOf(auth));
        JsonNode events = bodies.peek().get("events");
        assertEquals(List.of("T-1:ONLINE", "T-2:ONLINE", "T-1:OFFLINE"), List.of(
            events.get(0).get("terminalId").asText() + ":" + events.get(0).get("event").asText(),
            events.get(1).get("terminalId").asText() + ":" + events.get(1).get("event").asText(),
            events.get(2).get("terminalId").asText() + ":" + events.get(2).get("event").asText()));
        assertEquals("POWER_OFF", events.get(2).get("cause").asText());
        assertEquals(0, h.deliverOnce(), "nothing twice");
        assertEquals(2, requests.get());
        assertTrue(h.lastError().isEmpty());
    }

    /** A back end that floods its error answer: the first bytes are kept for the log, escaped, the rest unread. */
    @Test
    void a_flooding_back_end_is_read_only_as_far_as_the_log_needs() throws Exception {
        backEnd.createContext("/flood", x -> {
            x.getRequestBody().readAllBytes();
            x.sendResponseHeaders(500, 0);
            byte[] junk = "\u001b[31mjunk ".repeat(1000).getBytes(StandardCharsets.UTF_8);
            try {
                for (int i = 0; i < 1000; i++) { // up to 7 MB; the client stops reading long before
                    x.getResponseBody().write(junk);
                }
            } catch (java.io.IOException e) {
                // the client hung up: expected
            }
            x.close();
        });
        EventWebhook h = new EventWebhook(db, new EventWebhook.Target(URI.create("http://127.0.0.1:"
            + backEnd.getAddress().getPort() + "/flood"), Optional.empty(), Optional.empty()), "instance-a", clock);
        hooks.add(h);
        online("T-1");
        assertEquals(0, h.deliverOnce());
        String error = h.lastError().orElseThrow();
        assertTrue(error.startsWith("HTTP 500 "), error);
        assertTrue(error.length() < 400, "bounded: " + error.length());
        assertTrue(!error.contains("\u001b"), "escaped: " + error);
    }

    @Test
    void a_backlog_goes_out_in_batches_in_order() throws Exception {
        for (int i = 0; i < 230; i++) {
            online(String.format("T-%03d", i));
        }
        EventWebhook h = hook("instance-a", Optional.empty());
        assertEquals(230, h.deliverOnce());
        assertEquals(3, bodies.size(), "at most " + EventWebhook.BATCH + " a request");
        List<Long> ids = deliveredIds();
        assertEquals(230, ids.size());
        assertEquals(ids.stream().sorted().toList(), ids, "oldest first");
        assertEquals(List.of("null", "null", "null"), List.copyOf(auth), "no token, no header");
    }

    @Test
    void one_instance_delivers_at_a_time_and_another_takes_over_when_it_stops() throws Exception {
        EventWebhook a = hook("instance-a", Optional.empty());
        EventWebhook b = hook("instance-b", Optional.empty());
        online("T-1");
        assertEquals(1, a.deliverOnce());
        online("T-2");
        assertEquals(0, b.deliverOnce(), "a holds the lease");
        assertEquals(1, a.deliverOnce());
        a.close(); // gives the lease back
        online("T-3");
        assertEquals(1, b.deliverOnce(), "b took over");
        online("T-4");
        EventWebhook c = hook("instance-c", Optional.empty());
        assertEquals(0, c.deliverOnce(), "a third instance waits for b's lease");
        clock.advance(EventWebhook.LEASE.plusSeconds(1)); // b died without giving it back: its lease runs out
        assertEquals(1, c.deliverOnce(), "c takes the expired lease");
        assertEquals(deliveredIds().stream().distinct().toList(), deliveredIds(), "no event twice");
        assertEquals(4, deliveredIds().size());
    }

    @Test
    void the_option_names_what_is_wrong() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "t0k3n\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        EventWebhook.Target t = EventWebhook.parse("https://backend.example/hooks,token-file=" + token);
        assertEquals(Optional.of("t0k3n"), t.token());
        assertTrue(!t.toString().contains("t0k3n"), "the token is never shown: " + t);
        assertEquals(Optional.empty(), EventWebhook.parse("http://127.0.0.1:8080/x").token());
        assertMessage("is not https://", "http://backend.example/hooks");
        assertMessage("unknown part 'colour'", "https://backend.example/hooks,colour=red");
        assertMessage("has no scheme or host", "backend.example/hooks");
        assertMessage("cannot be read", "https://backend.example/hooks,ca-file=" + dir.resolve("missing.pem"));
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        assertMessage("readable by group or others", "https://backend.example/hooks,token-file=" + token);
        assertMessage("is empty", "");
    }

    private static void assertMessage(String part, String option) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventWebhook.parse(option));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void the_server_delivers_on_its_own_thread() throws Exception {
        EventWebhook h = hook("instance-a", Optional.empty()).start(Duration.ofMillis(50));
        online("T-1");
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (h.delivered() < 1 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(1, h.delivered());
    }
}
