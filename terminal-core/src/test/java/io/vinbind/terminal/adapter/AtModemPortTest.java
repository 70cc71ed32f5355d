package io.vinbind.terminal.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.Apn;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.modem.sim.UiccFaults;
import io.vinbind.terminal.port.ModemException;
import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.port.ModemPort;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The AT modem port against the modem-at simulator through the real AT engine. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AtModemPortTest {

    static final String EID = "89049032123451234512345678901235";

    /**
     * The card side of an eUICC as far as GetEID goes (the real eUICC simulator lives in esim, which terminal-core
     * may not depend on; hil-tests runs this read against it): MANAGE CHANNEL, SELECT of the ISD-R, and ES10c
     * GetEID answered {@code BF3E 12 5A 10 <EID>} (SGP.22 §5.7.20); everything else {@code 6D00}.
     */
    static final class IsdrOnlyCard implements io.vinbind.modem.sim.UiccCard {
        final byte[] eid;
        volatile int getEids;

        IsdrOnlyCard(String eid) {
            this.eid = java.util.HexFormat.of().parseHex(eid);
        }

        @Override
        public byte[] transmit(byte[] a) {
            int ins = a[1] & 0xFF;
            if (ins == 0x70) {
                return (a[2] & 0xFF) == 0 ? new byte[] {1, (byte) 0x90, 0} : new byte[] {(byte) 0x90, 0};
            }
            if (ins == 0xA4) {
                return java.util.Arrays.equals(java.util.Arrays.copyOfRange(a, 5, a.length), EidReader.ISD_R)
                        ? new byte[] {(byte) 0x90, 0} : new byte[] {0x6A, (byte) 0x82};
            }
            if (ins == 0xE2 && java.util.Arrays.equals(java.util.Arrays.copyOfRange(a, 1, a.length),
                    java.util.Arrays.copyOfRange(EidReader.GET_EID, 1, EidReader.GET_EID.length))) {
                getEids++;
                byte[] r = new byte[23];
                System.arraycopy(java.util.HexFormat.of().parseHex("BF3E125A10"), 0, r, 0, 5);
                System.arraycopy(eid, 0, r, 5, 16);
                r[21] = (byte) 0x90;
                return r;
            }
            return new byte[] {0x6D, 0};
        }

        @Override
        public java.util.Optional<String> imsi() {
            return java.util.Optional.of("460001234567890");
        }

        @Override
        public java.util.Optional<String> iccid() {
            return java.util.Optional.of("89860012345678901234");
        }
    }

    InMemoryLinkPair link;
    ModemSimulator sim;
    Modem modem;
    AtModemPort port;
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    void start(SimulatorConfig config) throws Exception {
        link = InMemoryLinkPair.create("at-port-test");
        sim = ModemSimulator.start(link.b(), config);
        modem = Modem.attach(AtEngine.start(link.a()), ModemConfig.DEFAULT);
        port = new AtModemPort(modem, Apn.of("cmnet"), Duration.ofSeconds(2), Duration.ofSeconds(2));
        port.setListener(new ModemPort.ModemEvents() {
            @Override
            public void modemReset(String detail) {
                events.add("reset: " + detail);
            }

            @Override
            public void dataLost(String detail) {
                events.add("data lost: " + detail);
            }
        });
    }

    @AfterEach
    void tearDown() {
        if (port != null) {
            port.close();
            modem.close();
            sim.close();
            link.close();
        }
    }

    ModemException failure(java.util.concurrent.CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(ModemException.class, e.getCause());
    }

    @Test
    void identifies_and_attaches_a_ready_modem() throws Exception {
        start(SimulatorConfig.DEFAULT);
        ModemIdentity id = port.identify().get(10, TimeUnit.SECONDS);
        // the simulator's own card is a plain USIM: no EID; the modem reports its model and firmware (Quectel EG25-G)
        assertEquals(new ModemIdentity("460001234567890", "89860012345678901234", "867698041234561", null, "EG25",
                "EG25GGBR07A08M2G"), id);
        port.attach().get(10, TimeUnit.SECONDS);
        assertTrue(sim.receivedCommands().stream().anyMatch(c -> c.startsWith("AT+QIACT=")), sim.receivedCommands()::toString);
    }

    /** A USIM asked for its ISD-R once: the answer (no eUICC) is kept for the card, not asked at every login. */
    @Test
    void a_usim_has_no_eid_and_is_asked_once_per_card() throws Exception {
        start(SimulatorConfig.DEFAULT);
        assertNull(port.identify().get(10, TimeUnit.SECONDS).eid());
        assertNull(port.identify().get(10, TimeUnit.SECONDS).eid());
        assertEquals(1, sim.receivedCommands().stream().filter(c -> c.startsWith("AT+CCHO=")).count(),
                sim.receivedCommands()::toString);
    }

    @Test
    void a_modem_without_channel_commands_means_no_eid_not_a_failure() throws Exception {
        start(SimulatorConfig.DEFAULT.withFaults(Faults.NONE.withUicc(UiccFaults.NONE.withNoLogicalChannels(true))));
        ModemIdentity id = port.identify().get(10, TimeUnit.SECONDS);
        assertNull(id.eid());
        assertEquals("EG25", id.modemModel());
        port.attach().get(10, TimeUnit.SECONDS); // the binding goes on
    }

    @Test
    void reads_the_eid_of_an_euicc_over_a_logical_channel_and_keeps_it_for_the_card() throws Exception {
        IsdrOnlyCard card = new IsdrOnlyCard(EID);
        start(SimulatorConfig.DEFAULT.withCard(card));
        assertEquals(EID, port.identify().get(10, TimeUnit.SECONDS).eid());
        assertEquals(EID, port.identify().get(10, TimeUnit.SECONDS).eid());
        assertEquals(1, card.getEids, "read once for the card");
        assertEquals(1, sim.receivedCommands().stream().filter(c -> c.startsWith("AT+CCHC=")).count(),
                "the channel is closed after the read: " + sim.receivedCommands());
    }

    @Test
    void a_card_that_does_not_answer_delays_identification_by_the_bound_at_most() throws Exception {
        IsdrOnlyCard card = new IsdrOnlyCard(EID);
        start(SimulatorConfig.DEFAULT.withCard(card)
                .withFaults(Faults.NONE.withUicc(UiccFaults.NONE.withApduDelay(Duration.ofSeconds(4)))));
        long t0 = System.nanoTime();
        ModemIdentity id = port.identify().get(10, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertNull(id.eid(), "no EID within the bound: login without it");
        assertEquals("460001234567890", id.imsi());
        // the identities and model take a few hundred ms on the simulator; the EID read adds at most its 2 s bound
        assertTrue(ms < EidReader.DEFAULT_BOUND.toMillis() + 1500, "identify took " + ms + " ms");
    }

    @Test
    void an_answer_that_is_no_eid_is_not_reported() {
        assertNull(EidReader.parse(io.vinbind.modem.uicc.ResponseApdu.of(java.util.HexFormat.of()
                .parseHex("BF3E125A10" + "89049032123451234512345678901234" + "9000")))); // wrong check digits
        assertNull(EidReader.parse(io.vinbind.modem.uicc.ResponseApdu.of(new byte[] {0x6A, (byte) 0x88})));
        assertEquals(EID, EidReader.parse(io.vinbind.modem.uicc.ResponseApdu.of(java.util.HexFormat.of()
                .parseHex("BF3E125A10" + EID + "9000"))));
        assertNull(AtModemPort.reportable("AT+CGMR", "Revision:\tEG25GGBR07A08M2G"));
        assertEquals("EG25", AtModemPort.reportable("AT+CGMM", " EG25 "));
        assertEquals("EG25GGBR07A08M2G", AtModemPort.withoutRevisionLabel("Revision: EG25GGBR07A08M2G"));
        assertEquals("LE20B04SIM7600G22", AtModemPort.withoutRevisionLabel("LE20B04SIM7600G22"));
    }

    @Test
    void absent_sim_is_reported_as_needing_a_person() throws Exception {
        start(SimulatorConfig.DEFAULT.withSimCard(SimCard.ABSENT));
        ModemException e = failure(port.identify());
        assertEquals(ModemException.Kind.SIM_ABSENT, e.kind());
        assertTrue(e.kind().needsPerson());
    }

    @Test
    void pin_locked_sim_is_reported_as_locked() throws Exception {
        start(SimulatorConfig.DEFAULT.withSimCard(SimCard.PIN_LOCKED));
        assertEquals(ModemException.Kind.SIM_LOCKED, failure(port.identify()).kind());
    }

    @Test
    void denied_registration_is_reported_as_such() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.DENIED, Duration.ofMillis(50)));
        port.identify().get(10, TimeUnit.SECONDS);
        assertEquals(ModemException.Kind.REGISTRATION_DENIED, failure(port.attach()).kind());
    }

    @Test
    void no_coverage_ends_at_the_registration_bound() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.NO_COVERAGE, Duration.ofMillis(50)));
        port.identify().get(10, TimeUnit.SECONDS);
        assertEquals(ModemException.Kind.NO_NETWORK, failure(port.attach()).kind());
    }

    @Test
    void dropped_data_context_and_modem_reset_become_events() throws Exception {
        start(SimulatorConfig.DEFAULT);
        port.identify().get(10, TimeUnit.SECONDS);
        port.attach().get(10, TimeUnit.SECONDS);
        sim.dropDataContext();
        String first = events.poll(5, TimeUnit.SECONDS);
        assertTrue(first != null && first.startsWith("data lost: context 1"), String.valueOf(first));
        sim.reset();
        String second = events.poll(5, TimeUnit.SECONDS);
        assertTrue(second != null && second.startsWith("reset: "), String.valueOf(second));
    }

    /** Polls {@code port.radio()} until {@code test} holds, at most 10 s. */
    io.vinbind.terminal.port.RadioStatus radioWhen(java.util.function.Predicate<io.vinbind.terminal.port.RadioStatus> test)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            java.util.Optional<io.vinbind.terminal.port.RadioStatus> r = port.radio();
            if (r.isPresent() && test.test(r.get())) {
                return r.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("radio never matched; last " + port.radio());
    }

    long commands(String text) {
        return sim.receivedCommands().stream().filter(text::equals).count();
    }

    /**
     * The status records' radio: nothing goes to the modem before it is initialised; then AT+CSQ and the registration
     * queries, EPS preferred; a new signal at the next read; a lost network by its URC at once, without a read.
     */
    @Test
    void the_radio_is_read_after_initialisation_and_follows_the_registration_urcs() throws Exception {
        start(SimulatorConfig.DEFAULT);
        port.refreshRadio(Duration.ZERO);
        Thread.sleep(200);
        assertEquals(0, commands("AT+CSQ"), "no read before the modem is initialised");
        assertTrue(port.radio().isEmpty());

        port.identify().get(10, TimeUnit.SECONDS);
        port.attach().get(10, TimeUnit.SECONDS);
        port.refreshRadio(Duration.ZERO);
        io.vinbind.terminal.port.RadioStatus r = radioWhen(x -> true);
        assertEquals(java.util.OptionalInt.of(-113 + 2 * 20), r.rssiDbm()); // 27.007 §8.5
        assertEquals("HOME", r.registration());
        assertEquals("EPS", r.domain());
        assertEquals(java.util.Optional.of("E_UTRAN"), r.accessTechnology());
        assertTrue(r.fresh());
        assertEquals(java.util.Map.of("rssi", "-73", "reg", "HOME", "reg_domain", "EPS", "act", "E_UTRAN"), r.facts());

        port.refreshRadio(Duration.ofMinutes(1));
        Thread.sleep(200);
        assertEquals(1, commands("AT+CSQ"), "a reading younger than the bound is not repeated");

        sim.setRssi(5);
        port.refreshRadio(Duration.ZERO);
        assertEquals(java.util.OptionalInt.of(-103), radioWhen(x -> x.rssiDbm().equals(java.util.OptionalInt.of(-103)))
                .rssiDbm());

        long reads = commands("AT+CSQ");
        sim.setNetwork(NetworkOutcome.NO_COVERAGE, Duration.ofSeconds(30));
        assertEquals("SEARCHING", radioWhen(x -> x.registration().equals("SEARCHING")).registration());
        assertEquals(reads, commands("AT+CSQ"), "the URC said it, no read was needed");
    }

    /** A read waits behind the relay's card work (the AT port has one owner), and only one waits however often asked. */
    @Test
    void a_radio_read_waits_behind_card_work_and_only_one_waits() throws Exception {
        start(SimulatorConfig.DEFAULT);
        port.identify().get(10, TimeUnit.SECONDS);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Void> work = port.exclusive(card -> {
            release.await(10, TimeUnit.SECONDS);
            return null;
        });
        for (int i = 0; i < 5; i++) {
            port.refreshRadio(Duration.ZERO);
        }
        Thread.sleep(200);
        assertEquals(0, commands("AT+CSQ"), "nothing goes to the modem while the card work holds it");
        release.countDown();
        work.get(10, TimeUnit.SECONDS);
        radioWhen(x -> true);
        Thread.sleep(300);
        assertEquals(1, commands("AT+CSQ"), "five asks, one reading");
    }

    /** A modem that stops answering: the last reading is kept and marked stale; after a reset nothing is asked. */
    @Test
    void a_failed_read_keeps_the_last_values_marked_stale() throws Exception {
        start(SimulatorConfig.DEFAULT);
        port.identify().get(10, TimeUnit.SECONDS);
        port.attach().get(10, TimeUnit.SECONDS); // registered: +CSQ says 99 while searching
        port.refreshRadio(Duration.ZERO);
        radioWhen(io.vinbind.terminal.port.RadioStatus::fresh);
        sim.setFaults(Faults.NONE.withMute(true));
        port.refreshRadio(Duration.ZERO);
        io.vinbind.terminal.port.RadioStatus r = radioWhen(x -> !x.fresh());
        assertEquals(java.util.OptionalInt.of(-73), r.rssiDbm(), "the last values stay");
        assertEquals("stale", r.facts().get("radio"));
        long tried = commands("AT+CSQ");
        for (int i = 0; i < 5; i++) { // the daemon's ticker asks every second: a failed read is not tried again at once
            port.refreshRadio(Duration.ofMinutes(1));
        }
        Thread.sleep(300);
        assertEquals(tried, commands("AT+CSQ"), "no new read within the age after a failed one");
        port.refreshRadio(Duration.ZERO);
        radioWhen(x -> commands("AT+CSQ") > tried);

        sim.setFaults(Faults.NONE);
        sim.reset();
        String e;
        do { // the muted reads may have reported the modem unresponsive first
            e = events.poll(10, TimeUnit.SECONDS);
        } while (e != null && e.contains("unresponsive"));
        assertTrue(e != null && e.startsWith("reset: "), "the reset is reported: " + e);
        long reads = commands("AT+CSQ");
        port.refreshRadio(Duration.ZERO);
        Thread.sleep(300);
        assertEquals(reads, commands("AT+CSQ"), "after a reset the modem is not asked before it is initialised again");
    }
}
