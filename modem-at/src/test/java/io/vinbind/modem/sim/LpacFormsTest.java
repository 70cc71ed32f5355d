package io.vinbind.modem.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.link.InMemoryLinkPair;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The command forms and parsing of lpac's AT drivers ({@link LpacAtDriver}) against the simulator, byte for byte in
 * both directions: a tool like lpac pointed at the simulator's port must work. lpac never sends ATE0 or AT+CMEE, so
 * the simulator echoes (V.250 E1) and reports errors as a plain ERROR (CMEE=0).
 */
class LpacFormsTest {

    private static final String AID = "a0000005591010ffffffff8900000100"; // lpac's lower-case hex
    private final InMemoryLinkPair pair = InMemoryLinkPair.create("lpac");
    private ModemSimulator sim;

    @AfterEach
    void tearDown() {
        if (sim != null) {
            sim.close();
        }
        pair.close();
    }

    private LpacAtDriver lpac(UiccFaults faults, UiccCard card) {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withCard(card).withFaults(Faults.NONE.withUicc(faults)));
        return new LpacAtDriver(pair.a(), Duration.ofSeconds(3));
    }

    @Test
    void at_driver_connect_open_transmit_close() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        LpacAtDriver lpac = lpac(UiccFaults.NONE, card);

        // connect: AT, then the three test commands, each must end in OK
        LpacAtDriver.Exchange at = lpac.command("AT", null);
        assertEquals("AT\r\n", at.sent());
        assertEquals("AT\r\r\nOK\r\n", at.received()); // echo (CR only), then CR LF OK CR LF
        for (String probe : new String[] {"AT+CCHO=?", "AT+CCHC=?", "AT+CGLA=?"}) {
            LpacAtDriver.Exchange e = lpac.command(probe, null);
            assertEquals(probe + "\r\r\nOK\r\n", e.received());
            assertTrue(e.ok());
        }

        // open: AT+CCHO="<aid>" -> "+CCHO: 1"; lpac keeps the text after the prefix as the channel's identifier
        LpacAtDriver.Exchange open = lpac.command("AT+CCHO=\"" + AID + "\"", "+CCHO: ");
        assertEquals("AT+CCHO=\"" + AID + "\"\r\r\n+CCHO: 1\r\n\r\nOK\r\n", open.received());
        assertEquals("1", open.value());

        // transmit: AT+CGLA=<id>,<2*len>,"<lower-case hex>" with lpac's own CLA 81 -> +CGLA: <len>,"<HEX>"
        LpacAtDriver.Exchange t = lpac.command("AT+CGLA=1,16,\"81e2910003bf2d00\"", "+CGLA: ");
        assertEquals("AT+CGLA=1,16,\"81e2910003bf2d00\"\r\r\n+CGLA: 4,\"6103\"\r\n\r\nOK\r\n", t.received());
        assertEquals("4,\"6103\"", t.value());
        // lpac's euicc layer follows 61xx with GET RESPONSE 81 C0 00 00 xx
        assertArrayEquals(HexFormat.of().parseHex("bf2d009000"), lpac.transmitCgla("1", HexFormat.of().parseHex("81c0000003")));

        // close: AT+CCHC=<id> -> OK
        LpacAtDriver.Exchange close = lpac.command("AT+CCHC=1", null);
        assertEquals("AT+CCHC=1\r\r\nOK\r\n", close.received());
        assertEquals("81E2910003BF2D00", card.received().get(2), "the card got lpac's APDU unchanged (channel 1 = CLA 81)");
    }

    @Test
    void at_driver_reads_a_bare_channel_number_through_its_fallback() throws Exception {
        LpacAtDriver lpac = lpac(UiccFaults.NONE.withBareChannelNumber(true), ScriptedCard.euiccLike());
        LpacAtDriver.Exchange open = lpac.command("AT+CCHO=\"" + AID + "\"", "+CCHO: ");
        assertEquals("AT+CCHO=\"" + AID + "\"\r\r\n1\r\n\r\nOK\r\n", open.received());
        assertEquals("1", open.value(), "the last line that is not the echo");
    }

    @Test
    void at_driver_sees_error_where_the_card_is_not_an_euicc() throws Exception {
        LpacAtDriver lpac = lpac(UiccFaults.NONE, new PlainUsim(() -> Identity.DEFAULT));
        LpacAtDriver.Exchange open = lpac.command("AT+CCHO=\"" + AID + "\"", "+CCHO: ");
        assertEquals("AT+CCHO=\"" + AID + "\"\r\r\nERROR\r\n", open.received(), "CMEE=0: a plain ERROR that ends lpac's read");
        assertFalse(open.ok());
    }

    @Test
    void at_driver_on_a_modem_without_logical_channels_fails_its_probe() throws Exception {
        LpacAtDriver lpac = lpac(UiccFaults.NONE.withNoLogicalChannels(true), ScriptedCard.euiccLike());
        assertFalse(lpac.command("AT+CCHO=?", null).ok(), "lpac: Device missing AT+CCHO support");
        assertTrue(lpac.command("AT+CSIM=?", null).ok(), "its at_csim driver works");
    }

    @Test
    void at_csim_driver_opens_with_manage_channel_selects_and_closes() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        LpacAtDriver lpac = lpac(UiccFaults.NONE.withNoLogicalChannels(true), card);
        assertTrue(lpac.command("AT", null).ok());
        LpacAtDriver.Exchange probe = lpac.command("AT+CSIM=?", null);
        assertEquals("AT+CSIM=?\r\r\nOK\r\n", probe.received());

        // MANAGE CHANNEL 00 70 00 00 01: lpac wants exactly 3 bytes, <ch> 90 00
        LpacAtDriver.Exchange manage = lpac.command("AT+CSIM=10,\"0070000001\"", "+CSIM: ");
        assertEquals("AT+CSIM=10,\"0070000001\"\r\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n", manage.received());
        // SELECT with the channel byte as CLA, no Le; lpac accepts SW1 90 or 61
        byte[] select = lpac.transmitCsim(HexFormat.of().parseHex("01a4040010" + AID));
        assertArrayEquals(new byte[] {(byte) 0x90, 0x00}, select);
        byte[] store = lpac.transmitCsim(HexFormat.of().parseHex("81e2910003bf2d00"));
        assertArrayEquals(new byte[] {0x61, 0x03}, store);
        assertArrayEquals(HexFormat.of().parseHex("bf2d009000"), lpac.transmitCsim(HexFormat.of().parseHex("81c0000003")));
        // close: 00 70 80 <ch> 00
        assertArrayEquals(new byte[] {(byte) 0x90, 0x00}, lpac.transmitCsim(HexFormat.of().parseHex("0070800100")));
        assertEquals("0070800100", card.received().get(card.received().size() - 1));
    }

    @Test
    void silent_test_commands_would_leave_lpac_waiting() throws Exception {
        LpacAtDriver lpac = new LpacAtDriver(pair.a(), Duration.ofMillis(500));
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withCard(ScriptedCard.euiccLike())
                .withFaults(Faults.NONE.withUicc(UiccFaults.NONE.withSilentTestCommands(true))));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> lpac.command("AT+CCHO=?", null));
        assertTrue(e.getMessage().contains("lpac would wait forever"), e.getMessage());
    }
}
