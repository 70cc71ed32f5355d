package io.vinbind.modem.at;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AtEngineTest {

    private static final Duration SHORT = Duration.ofMillis(300);
    private static final AtCommand CPIN = AtCommand.query("AT+CPIN?", "+CPIN:");

    private final ScriptedModem modem = new ScriptedModem();
    private final AtEngine engine = AtEngine.start(modem.link());
    private final BlockingQueue<Urc> urcs = new LinkedBlockingQueue<>();
    private final BlockingQueue<AtEvent> events = new LinkedBlockingQueue<>();

    AtEngineTest() {
        engine.onAnyUrc(urcs::add);
        engine.onEvent(events::add);
    }

    @AfterEach
    void tearDown() {
        engine.close();
        modem.close();
        assertEquals(List.of(), modem.unexpected(), "commands the script did not expect (far end: " + modem.ended() + ")");
    }

    @Test
    void collects_information_line_until_ok() throws Exception {
        modem.on("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");

        AtResponse r = engine.execute(CPIN);

        assertEquals(List.of("+CPIN: READY"), r.lines());
        assertInstanceOf(FinalResult.Ok.class, r.result());
        assertEquals("AT+CPIN?", r.command());
    }

    @Test
    void strips_echo_terminated_by_cr_only() throws Exception {
        // echo on: the command comes back ending in CR alone, then the answer in verbose format
        modem.on("AT+CPIN?", "AT+CPIN?\r", "\r\n+CPIN: READY\r\n\r\nOK\r\n");

        assertEquals(List.of("+CPIN: READY"), engine.execute(CPIN).lines());
    }

    /**
     * The answer of AT+CSQ with echo on, and a URC at one of its four places: 0 before the echo, 1 between
     * echo and information line, 2 between information line and OK, 3 after OK (arrives while idle).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void urc_at_any_position_goes_to_listeners_not_into_the_response(int position) throws Exception {
        String[] parts = {"AT+CSQ\r", "\r\n+CSQ: 20,99\r\n", "\r\nOK\r\n"};
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i <= parts.length; i++) {
            if (i == position) {
                wire.append("\r\n+QIURC: \"pdpdeact\",1\r\n");
            }
            if (i < parts.length) {
                wire.append(parts[i]);
            }
        }
        modem.on("AT+CSQ", wire.toString());

        AtResponse r = engine.execute(AtCommand.query("AT+CSQ", "+CSQ:"));

        assertEquals(List.of("+CSQ: 20,99"), r.lines());
        Urc u = urcs.poll(2, TimeUnit.SECONDS);
        assertEquals(UrcKind.QIURC, u.kind());
        assertEquals("\"pdpdeact\",1", u.payload());
    }

    @Test
    void several_urcs_and_the_answer_in_one_read() throws Exception {
        modem.on("AT+CIMI", "\r\n+CEREG: 1,\"1A2B\",\"0C3D4E5F\",7\r\n\r\n460001234567890\r\n\r\n+CGEV: NW PDN DEACT 1\r\n\r\nOK\r\n");

        AtResponse r = engine.execute(AtCommand.bare("AT+CIMI"));

        assertEquals(List.of("460001234567890"), r.lines());
        assertEquals(UrcKind.CEREG, urcs.poll(2, TimeUnit.SECONDS).kind());
        assertEquals(UrcKind.CGEV, urcs.poll(2, TimeUnit.SECONDS).kind());
    }

    @Test
    void answer_split_at_every_byte_boundary_is_reassembled() throws Exception {
        String wire = "\r\n+CPIN: READY\r\n\r\nOK\r\n";
        for (int cut = 1; cut < wire.length(); cut++) {
            modem.on("AT+CPIN?", ScriptedModem.split(wire, cut));
            assertEquals(List.of("+CPIN: READY"), engine.execute(CPIN).lines(), "cut at " + cut);
        }
    }

    @Test
    void answer_delivered_one_byte_per_read_is_reassembled() throws Exception {
        String wire = "\r\n+CGSN: 867698041234561\r\n\r\nOK\r\n";
        String[] bytes = wire.split("");
        modem.on("AT+CGSN", bytes);

        assertEquals(List.of("+CGSN: 867698041234561"), engine.execute(AtCommand.bare("AT+CGSN", "+CGSN:")).lines());
    }

    @Test
    void solicited_registration_is_the_answer_and_unsolicited_one_is_a_urc() throws Exception {
        // "+CEREG: 2,1,..." answers AT+CEREG? (n=2, stat=1); "+CEREG: 5,..." (quoted TAC second) is a URC
        modem.on("AT+CEREG?", "\r\n+CEREG: 5,\"1A2B\",\"0C3D4E5F\",7\r\n\r\n+CEREG: 2,1,\"1A2B\",\"0C3D4E5F\",7\r\n\r\nOK\r\n");

        AtResponse r = engine.execute(AtCommand.query("AT+CEREG?", "+CEREG:"));

        assertEquals(List.of("+CEREG: 2,1,\"1A2B\",\"0C3D4E5F\",7"), r.lines());
        Urc u = urcs.poll(2, TimeUnit.SECONDS);
        assertEquals("+CEREG: 5,\"1A2B\",\"0C3D4E5F\",7", u.line());
    }

    @Test
    void bare_stat_registration_urc_during_its_own_query_is_a_urc() throws Exception {
        // "+CREG: 1" has one field: unsolicited form even though AT+CREG? expects "+CREG:"
        modem.on("AT+CREG?", "\r\n+CREG: 1\r\n", "\r\n+CREG: 1,1\r\n\r\nOK\r\n");

        AtResponse r = engine.execute(AtCommand.query("AT+CREG?", "+CREG:"));

        assertEquals(List.of("+CREG: 1,1"), r.lines());
        assertEquals("+CREG: 1", urcs.poll(2, TimeUnit.SECONDS).line());
    }

    @Test
    void numeric_cme_error_is_a_value_and_requireOk_names_the_command() throws Exception {
        modem.on("AT+CIMI", "\r\n+CME ERROR: 10\r\n");

        AtResponse r = engine.send(AtCommand.bare("AT+CIMI"));
        FinalResult.CmeError cme = assertInstanceOf(FinalResult.CmeError.class, r.result());
        assertTrue(cme.is(CmeErrorCode.SIM_NOT_INSERTED));
        assertEquals(10, cme.number());

        AtErrorException e = assertThrows(AtErrorException.class, r::requireOk);
        assertEquals("AT+CIMI", e.command());
        assertTrue(e.getMessage().contains("+CME ERROR: 10"), e.getMessage());
    }

    @Test
    void verbose_cme_error_text_maps_to_its_code() throws Exception {
        modem.on("AT+CIMI", "\r\n+CME ERROR: SIM PIN required\r\n");

        AtErrorException e = assertThrows(AtErrorException.class, () -> engine.execute(AtCommand.bare("AT+CIMI")));

        assertTrue(e.isCme(CmeErrorCode.SIM_PIN_REQUIRED));
    }

    @Test
    void plain_error_ends_the_command() throws Exception {
        modem.on("AT+QCCID", "\r\nERROR\r\n");

        AtResponse r = engine.send(AtCommand.bare("AT+QCCID", "+QCCID:"));

        assertInstanceOf(FinalResult.Error.class, r.result());
        assertFalse(r.isOk());
    }

    @Test
    void timeout_names_the_command_and_the_lines_that_did_arrive() throws Exception {
        modem.on("AT+COPS?", "\r\n+COPS: 0,0,\"CHINA MOBILE\",7\r\n"); // no final result code ever

        AtTimeoutException e = assertThrows(AtTimeoutException.class,
                () -> engine.send(AtCommand.query("AT+COPS?", "+COPS:").withTimeout(SHORT)));

        assertEquals("AT+COPS?", e.command());
        assertEquals(List.of("+COPS: 0,0,\"CHINA MOBILE\",7"), e.rawLines());
        assertEquals(SHORT, e.timeout());
    }

    @Test
    void consecutive_timeouts_raise_unresponsive_once_and_success_resets_the_count() throws Exception {
        AtCommand at = AtCommand.action("AT").withTimeout(Duration.ofMillis(100));
        modem.on("AT").on("AT");
        assertThrows(AtTimeoutException.class, () -> engine.send(at));
        assertThrows(AtTimeoutException.class, () -> engine.send(at));
        modem.on("AT", "\r\nOK\r\n");
        engine.execute(at); // resets the streak
        modem.on("AT").on("AT").on("AT").on("AT");
        for (int i = 0; i < 4; i++) {
            assertThrows(AtTimeoutException.class, () -> engine.send(at));
        }

        AtEvent e = events.poll(2, TimeUnit.SECONDS);
        AtEvent.Unresponsive u = assertInstanceOf(AtEvent.Unresponsive.class, e);
        assertEquals(3, u.consecutiveTimeouts());
        assertEquals(null, events.poll(200, TimeUnit.MILLISECONDS), "raised once per streak");
    }

    @Test
    void late_final_result_after_a_timeout_does_not_complete_the_next_command() throws Exception {
        modem.on("AT+CSQ"); // silent
        assertThrows(AtTimeoutException.class,
                () -> engine.send(AtCommand.query("AT+CSQ", "+CSQ:").withTimeout(Duration.ofMillis(100))));
        modem.push("\r\n+CSQ: 20,99\r\n\r\nOK\r\n"); // the late answer, while idle
        modem.push("\r\n+CTZV: +32,0\r\n");             // a marker: once it is delivered, the late OK was read
        assertEquals("+CSQ: 20,99", urcs.poll(2, TimeUnit.SECONDS).line(), "late info line goes to the catch-all");
        assertEquals(UrcKind.CTZ, urcs.poll(2, TimeUnit.SECONDS).kind());
        modem.on("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");

        assertEquals(List.of("+CPIN: SIM PIN"), engine.execute(CPIN).lines());
    }

    @Test
    void rdy_in_the_middle_of_a_command_fails_it_and_raises_a_reset_event() throws Exception {
        modem.on("AT+CGSN", "\r\n867698041234561\r\n", "\r\nRDY\r\n", "\r\n+CPIN: READY\r\n");

        AtResetException e = assertThrows(AtResetException.class, () -> engine.send(AtCommand.bare("AT+CGSN")));

        assertEquals(List.of("867698041234561"), e.rawLines());
        AtEvent.ModemReset reset = assertInstanceOf(AtEvent.ModemReset.class, events.poll(2, TimeUnit.SECONDS));
        assertEquals(AtEvent.ResetCause.RDY, reset.cause());
        assertEquals(UrcKind.RDY, urcs.poll(2, TimeUnit.SECONDS).kind());
        assertEquals(UrcKind.CPIN, urcs.poll(2, TimeUnit.SECONDS).kind());
    }

    @Test
    void an_answer_arriving_just_after_rdy_failed_its_command_does_not_complete_the_retry() throws Exception {
        AtCommand cgmi = AtCommand.bare("AT+CGMI", "+CGMI:");
        try (ScriptedModem m = new ScriptedModem();
             AtEngine e = AtEngine.start(m.link(), AtEngineConfig.DEFAULT.withSettleQuiet(Duration.ofSeconds(1)))) {
            m.on("AT+CGMI", "\r\nRDY\r\n");                  // the modem resets as the command arrives ...
            assertThrows(AtResetException.class, () -> e.send(cgmi));
            Thread late = new Thread(() -> {
                sleep(100);
                try {
                    m.push("\r\nLate Vendor\r\n\r\nOK\r\n"); // ... and still answers it a moment later
                } catch (java.io.IOException ex) {
                    throw new IllegalStateException(ex);
                }
                m.on("AT+CGMI", "\r\nQuectel\r\n\r\nOK\r\n"); // only then the retry's own answer
            });
            late.start();

            AtResponse retry = e.execute(cgmi);

            late.join(5000);
            assertEquals(List.of("Quectel"), retry.lines(), "the retry waited for the line to settle");
            assertEquals(List.of(), m.unexpected());
        }
    }

    @Test
    void settling_after_a_timeout_is_bounded_when_the_line_never_goes_quiet() throws Exception {
        try (ScriptedModem m = new ScriptedModem();
             AtEngine e = AtEngine.start(m.link(), AtEngineConfig.DEFAULT.withSettleQuiet(Duration.ofMillis(200)))) {
            m.on("AT+CSQ"); // silent
            assertThrows(AtTimeoutException.class,
                    () -> e.send(AtCommand.query("AT+CSQ", "+CSQ:").withTimeout(Duration.ofMillis(100))));
            java.util.concurrent.atomic.AtomicBoolean chattering = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread storm = new Thread(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
                while (System.nanoTime() < end && chattering.get()) {
                    try {
                        m.push("\r\n+CTZV: +32,0\r\n"); // a URC every 50 ms: never 200 ms of quiet
                    } catch (java.io.IOException ex) {
                        return;
                    }
                    sleep(50);
                }
            });
            storm.start();
            m.on("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");

            AtResponse r = e.execute(CPIN);

            boolean stormStillRunning = storm.isAlive();
            chattering.set(false);
            storm.join(5000);
            assertEquals(List.of("+CPIN: READY"), r.lines());
            assertTrue(stormStillRunning, "the command went out after at most 4 x 200 ms, not after the storm");
        }
    }

    @Test
    void rdy_while_idle_raises_a_reset_event() throws Exception {
        modem.push("\r\nRDY\r\n");

        AtEvent.ModemReset reset = assertInstanceOf(AtEvent.ModemReset.class, events.poll(2, TimeUnit.SECONDS));
        assertEquals(AtEvent.ResetCause.RDY, reset.cause());
    }

    @Test
    void garbage_and_oversized_lines_are_dropped_and_the_answer_survives() throws Exception {
        String noise = "\u00ff\u0001\u00fe\u0080";
        String oversized = "+X: " + "A".repeat(3000);
        modem.on("AT+CSQ", noise + "\r\n" + oversized + "\r\n", "\r\n+CSQ: 31,0\r\n\r\nOK\r\n");

        AtResponse r = engine.execute(AtCommand.query("AT+CSQ", "+CSQ:"));

        assertEquals(List.of("+CSQ: 31,0"), r.lines());
        assertEquals(null, urcs.poll(200, TimeUnit.MILLISECONDS), "garbage must not surface as a URC");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void a_line_full_of_noise_gives_a_few_warnings_and_a_count_not_one_per_line() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8)); // where tinylog's console writer goes
        try {
            for (int i = 0; i < 20; i++) {
                modem.push("\u00ff\u0001noise\r\n".repeat(50));            // 1000 garbage lines in all
            }
            modem.push("\r\n+QFOO: 1\r\n");                                // then one good line
            assertEquals("+QFOO: 1", urcs.poll(10, TimeUnit.SECONDS).line(), "the line after the noise survives");
            engine.close();
        } finally {
            System.setErr(stderr);
        }
        List<String> dropped = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("dropped garbage line")).toList();
        assertEquals(6, dropped.size(), String.join("\n", dropped));   // 5, then the count when the engine closed
        assertTrue(dropped.get(5).contains("the last of 995 like this"), dropped.get(5));
        assertTrue(dropped.get(0).contains("'\\xff\\x01noise'"), "escaped: " + dropped.get(0));
    }

    @Test
    void unknown_unsolicited_line_goes_to_the_catch_all() throws Exception {
        BlockingQueue<Urc> unknown = new LinkedBlockingQueue<>();
        engine.onUrc(UrcKind.UNKNOWN, unknown::add);
        modem.push("\r\n+QFOO: 1,2\r\n");

        Urc u = urcs.poll(2, TimeUnit.SECONDS);
        assertEquals(UrcKind.UNKNOWN, u.kind());
        assertEquals("+QFOO: 1,2", u.line());
        assertEquals(u, unknown.poll(2, TimeUnit.SECONDS));
    }

    @Test
    void listener_failure_does_not_stop_other_deliveries() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        engine.onUrc(UrcKind.CPIN, u -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        modem.push("\r\n+CPIN: NOT READY\r\n");
        modem.push("\r\n+CPIN: READY\r\n");
        modem.push("\r\n+CTZV: +32,0\r\n"); // a marker: listeners run in order on one dispatcher thread

        assertEquals("+CPIN: NOT READY", urcs.poll(2, TimeUnit.SECONDS).line());
        assertEquals("+CPIN: READY", urcs.poll(2, TimeUnit.SECONDS).line());
        assertEquals(UrcKind.CTZ, urcs.poll(2, TimeUnit.SECONDS).kind());
        assertEquals(2, calls.get());
    }

    @Test
    void link_vanishing_mid_command_fails_it_and_raises_link_lost() throws Exception {
        modem.on("AT+CGACT=1,1");
        Thread vanisher = new Thread(() -> {
            sleep(150);
            modem.vanish();
        });
        vanisher.start();

        AtLinkException e = assertThrows(AtLinkException.class,
                () -> engine.send(AtCommand.action("AT+CGACT=1,1").withTimeout(Duration.ofSeconds(5))));

        assertEquals("AT+CGACT=1,1", e.command());
        assertInstanceOf(AtEvent.LinkLost.class, events.poll(2, TimeUnit.SECONDS));
        assertFalse(engine.isLinkUp());
        AtLinkException next = assertThrows(AtLinkException.class, () -> engine.send(AtCommand.action("AT")));
        assertTrue(next.getMessage().contains("down"), next.getMessage());
    }

    @Test
    void concurrent_callers_are_served_one_command_at_a_time() throws Exception {
        modem.on("AT+CSQ", "\r\n+CSQ: 1,0\r\n", "\r\nOK\r\n").on("AT+CSQ", "\r\n+CSQ: 2,0\r\n", "\r\nOK\r\n");
        AtomicReference<AtResponse> other = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                other.set(engine.execute(AtCommand.query("AT+CSQ", "+CSQ:")));
            } catch (AtException e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        AtResponse mine = engine.execute(AtCommand.query("AT+CSQ", "+CSQ:"));
        t.join(5000);

        assertFalse(t.isAlive(), "the other caller was served within 5 s");
        assertEquals(1, mine.lines().size());
        assertEquals(1, other.get().lines().size());
        assertFalse(mine.lines().equals(other.get().lines()), "each caller got its own answer");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
