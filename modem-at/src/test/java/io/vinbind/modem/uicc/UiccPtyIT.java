package io.vinbind.modem.uicc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.SimIdentity;
import io.vinbind.modem.SimRefresh;
import io.vinbind.modem.at.AtTimeoutException;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.link.SocatPtyPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.LpacAtDriver;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.ScriptedCard;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.modem.sim.UiccFaults;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The channel API and lpac's command forms through a real pty pair (socat) and jSerialComm, against the simulator
 * with a card in it: both paths, GET RESPONSE, the quirks and faults, and the refresh after a profile switch.
 */
class UiccPtyIT {

    private static final String ISD_R = ScriptedCard.ISD_R;
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    @TempDir
    Path dir;
    private SocatPtyPair pty;
    private Path modemEnd;
    private Path terminalEnd;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void ptyPair() throws IOException {
        assumeTrue(SocatPtyPair.socatAvailable(), "skipped: socat is not on the PATH (needed for a pty pair)");
        modemEnd = dir.resolve("modem");
        terminalEnd = dir.resolve("terminal");
        pty = SocatPtyPair.start(modemEnd, terminalEnd);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (pty != null) {
            pty.close();
        }
    }

    private ModemSimulator sim(ScriptedCard card, UiccFaults faults) throws IOException {
        JSerialCommLink link = JSerialCommLink.open(SerialConfig.of(modemEnd.toString()));
        toClose.add(link);
        ModemSimulator sim = ModemSimulator.start(link, SimulatorConfig.DEFAULT.withCard(card).withFaults(Faults.NONE.withUicc(faults)));
        toClose.add(sim);
        return sim;
    }

    private Modem modem(ModemConfig config) throws Exception {
        Modem m = Modem.open(SerialConfig.of(terminalEnd.toString()), config);
        toClose.add(m);
        m.initialise();
        return m;
    }

    @Test
    void logical_channel_path_with_get_response_over_the_pty() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        sim(card, UiccFaults.NONE);
        Modem modem = modem(ModemConfig.DEFAULT);
        byte[] data = new byte[200];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        byte[] store = new byte[5 + data.length];
        store[0] = (byte) 0x80;
        store[1] = (byte) 0xE2;
        store[2] = (byte) 0x91;
        store[4] = (byte) data.length;
        System.arraycopy(data, 0, store, 5, data.length);
        try (UiccChannel ch = modem.uicc().open(ISD_R)) {
            assertEquals(ChannelPath.LOGICAL_CHANNEL, ch.path());
            ResponseApdu r = ch.transmit(store);
            assertArrayEquals(data, r.data(), "61C8, then GET RESPONSE for all 200 bytes");
            assertEquals(0x9000, r.sw());
        }
        assertTrue(card.received().contains("81C00000C8"), card.received().toString());
    }

    @Test
    void csim_path_when_the_modem_has_no_logical_channel_commands() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        ModemSimulator sim = sim(card, UiccFaults.NONE.withNoLogicalChannels(true).withSilentTestCommands(true));
        Modem modem = modem(ModemConfig.DEFAULT);
        try (UiccChannel ch = modem.uicc().open(ISD_R)) {
            assertEquals(ChannelPath.CSIM, ch.path());
            assertEquals("CAFE1234 SW 9000", ch.transmit(HEX.parseHex("80CA00FE00")).toString(), "6C04, then again with Le 04");
        }
        assertEquals(List.of("0070000001", "01A4040010" + ISD_R, "81CA00FE00", "81CA00FE04", "0070800100"), card.received());
        assertFalse(sim.receivedCommands().stream().anyMatch(c -> c.endsWith("=?")), "no =? probe was needed");
    }

    @Test
    void quirks_over_the_pty_bare_number_a_plain_error_mid_sequence_and_cme_13() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        ModemSimulator sim = sim(card, UiccFaults.NONE.withBareChannelNumber(true).withApduErrorAt(2));
        Modem modem = modem(ModemConfig.DEFAULT);
        try (UiccChannel ch = modem.uicc().open(ISD_R)) {
            assertEquals(1, ch.number(), "from the bare answer '1'");
            // APDU 1, a STORE DATA: 6103; APDU 2, its GET RESPONSE: the card answers, the modem says ERROR
            UiccException e = assertThrows(UiccException.class,
                    () -> ch.transmit(HEX.parseHex("80E2910003BF3600"), ApduKind.DOWNLOAD));
            assertEquals(UiccException.Reason.MODEM_ERROR, e.reason());
            assertTrue(e.mayHaveReachedCard());
            assertTrue(card.received().contains("81C0000003"), "the card took it: " + card.received());
            assertEquals("CAFE1234 SW 9000", ch.transmit(HEX.parseHex("80CA00FE04")).toString(), "the channel still works");
        }

        sim.setFaults(Faults.NONE.withUicc(UiccFaults.NONE.withRefusedAids(Set.of(ISD_R))));
        UiccException notEuicc = assertThrows(UiccException.class, () -> modem.uicc().open(ISD_R));
        assertEquals(UiccException.Reason.NO_SUCH_APPLICATION, notEuicc.reason());
        assertTrue(notEuicc.getMessage().contains("+CME ERROR: 13"), notEuicc.getMessage());
    }

    @Test
    void slow_answers_fit_the_download_deadline_but_not_the_ordinary_one() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        sim(card, UiccFaults.NONE.withApduDelay(Duration.ofMillis(700)));
        Modem modem = modem(ModemConfig.DEFAULT.withUicc(UiccConfig.DEFAULT.withTimeouts(Duration.ofMillis(300),
                Duration.ofSeconds(10), Duration.ofSeconds(5))));
        UiccChannel ch = modem.uicc().open(ISD_R);
        assertThrows(AtTimeoutException.class, () -> ch.transmit(HEX.parseHex("80CA00FE04")));
        Thread.sleep(1000); // the late answer arrives and is dropped as a stray
        assertEquals(0x9000, ch.transmit(HEX.parseHex("80CA00FE04"), ApduKind.DOWNLOAD).sw());
    }

    @Test
    void refresh_after_a_switch_reads_the_new_identity_over_the_pty() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        card.switchAtPowerUp("262010000000002", "8949000000000001002");
        sim(card, UiccFaults.NONE);
        Modem modem = modem(ModemConfig.DEFAULT);
        assertEquals("262010000000001", modem.imsi().value());
        SimIdentity id = modem.refreshSim(SimRefresh.cfunCycle(), Duration.ofSeconds(20));
        assertEquals("262010000000002", id.imsi().value());
        assertEquals("8949000000000001002", modem.iccid().value());
    }

    @Test
    void lpac_command_forms_byte_for_byte_over_the_pty() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        sim(card, UiccFaults.NONE);
        JSerialCommLink link = JSerialCommLink.open(SerialConfig.of(terminalEnd.toString()));
        toClose.add(link);
        LpacAtDriver lpac = new LpacAtDriver(link, Duration.ofSeconds(5));
        assertEquals("AT\r\r\nOK\r\n", lpac.command("AT", null).received());
        assertEquals("AT+CCHO=?\r\r\nOK\r\n", lpac.command("AT+CCHO=?", null).received());
        assertEquals("AT+CCHC=?\r\r\nOK\r\n", lpac.command("AT+CCHC=?", null).received());
        assertEquals("AT+CGLA=?\r\r\nOK\r\n", lpac.command("AT+CGLA=?", null).received());
        String channel = lpac.openLogicalChannel(ISD_R);
        assertEquals("1", channel);
        assertArrayEquals(HEX.parseHex("6103"), lpac.transmitCgla(channel, HEX.parseHex("81e2910003bf2d00")));
        assertArrayEquals(HEX.parseHex("BF2D009000"), lpac.transmitCgla(channel, HEX.parseHex("81c0000003")));
        assertEquals("AT+CCHC=1\r\r\nOK\r\n", lpac.command("AT+CCHC=" + channel, null).received());
    }
}
