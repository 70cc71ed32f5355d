package io.vinbind.modem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.link.SerialLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator's card commands on the wire, byte for byte: AT+CCHO/CGLA/CCHC/CSIM in the formats of real modems
 * (3GPP TS 27.007 §8.17, §8.43, §8.45, §8.46), the plain USIM by default and a card from outside, each UICC fault, and
 * AT+CFUN powering the card down and up.
 */
class UiccSimulatorTest {

    private static final String ISD_R = ScriptedCard.ISD_R;

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("uicc-sim-test");
    private final SerialLink terminal = pair.a();
    private ModemSimulator sim;

    @AfterEach
    void tearDown() {
        if (sim != null) {
            sim.close();
        }
        pair.close();
    }

    private String exchange(String command, String until) throws IOException {
        terminal.write((command + "\r").getBytes(StandardCharsets.US_ASCII));
        return readUntil(until, Duration.ofSeconds(3));
    }

    private String readUntil(String until, Duration bound) throws IOException {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[512];
        long deadline = System.nanoTime() + bound.toNanos();
        while (!sb.toString().contains(until) && System.nanoTime() < deadline) {
            int n = terminal.read(buf, Duration.ofMillis(50));
            sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    private ScriptedCard startWithCard(Faults faults) throws IOException {
        ScriptedCard card = ScriptedCard.euiccLike();
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withCard(card).withFaults(faults));
        exchange("ATE0", "OK\r\n");
        exchange("AT+CMEE=1", "OK\r\n");
        return card;
    }

    @Test
    void plain_usim_by_default_keeps_the_identity_and_is_no_euicc() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT);
        exchange("ATE0", "OK\r\n");
        assertEquals("\r\n460001234567890\r\n\r\nOK\r\n", exchange("AT+CIMI", "OK\r\n"));
        assertEquals("\r\n+QCCID: 89860012345678901234\r\n\r\nOK\r\n", exchange("AT+QCCID", "OK\r\n"));
        // CMEE=0: the refused SELECT behind AT+CCHO is a plain ERROR; CMEE=1: +CME ERROR: 13 (SIM failure)
        assertEquals("\r\nERROR\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "ERROR\r\n"));
        exchange("AT+CMEE=1", "OK\r\n");
        assertEquals("\r\n+CME ERROR: 13\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "13\r\n"));
        // through AT+CSIM the client sees the card's own answers
        assertEquals("\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n", exchange("AT+CSIM=10,\"0070000001\"", "OK\r\n"));
        assertEquals("\r\n+CSIM: 4,\"6A82\"\r\n\r\nOK\r\n", exchange("AT+CSIM=42,\"01A4040010" + ISD_R + "\"", "OK\r\n"));
        assertEquals("\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n",
                exchange("AT+CSIM=42,\"01A4040010A0000000871002FF33FF018900000100\"", "OK\r\n")); // the USIM
        assertEquals("\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n", exchange("AT+CSIM=10,\"0070800100\"", "OK\r\n"));
        assertEquals("plain USIM", sim.status().card());
    }

    @Test
    void card_from_outside_answers_ccho_cgla_cchc_in_27007_form() throws Exception {
        ScriptedCard card = startWithCard(Faults.NONE);
        // +CCHO: <sessionid>
        assertEquals("\r\n+CCHO: 1\r\n\r\nOK\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n"));
        assertEquals(List.of("0070000001", "01A4040010" + ISD_R), card.received());
        // +CGLA: <length in hex digits>,"<response>"; the modem puts the session's channel into CLA (80 -> 81)
        assertEquals("\r\n+CGLA: 4,\"6103\"\r\n\r\nOK\r\n", exchange("AT+CGLA=1,16,\"80E2910003BF2D00\"", "OK\r\n"));
        assertEquals("81E2910003BF2D00", card.received().get(2));
        assertEquals("\r\n+CGLA: 10,\"BF2D009000\"\r\n\r\nOK\r\n", exchange("AT+CGLA=1,10,\"81C0000003\"", "OK\r\n"));
        assertEquals(List.of(1), sim.status().sessions());
        assertEquals("\r\nOK\r\n", exchange("AT+CCHC=1", "OK\r\n"));
        assertEquals("0070800100", card.received().get(card.received().size() - 1));
        // a closed session: +CME ERROR: 21 (invalid index)
        assertEquals("\r\n+CME ERROR: 21\r\n", exchange("AT+CGLA=1,10,\"81C0000003\"", "21\r\n"));
        // lower-case hex, as lpac sends it, is taken too; answers are upper case
        assertEquals("\r\n+CCHO: 1\r\n\r\nOK\r\n", exchange("AT+CCHO=\"" + ISD_R.toLowerCase() + "\"", "OK\r\n"));
        assertEquals("\r\n+CGLA: 12,\"CAFE12349000\"\r\n\r\nOK\r\n", exchange("AT+CGLA=1,10,\"81ca00fe04\"", "OK\r\n"));
        // identity commands read the card
        assertEquals("\r\n262010000000001\r\n\r\nOK\r\n", exchange("AT+CIMI", "OK\r\n"));
        assertEquals("\r\n+QCCID: 8949000000000001001F\r\n\r\nOK\r\n", exchange("AT+QCCID", "OK\r\n"));
    }

    @Test
    void test_commands_answer_ok_and_malformed_parameters_are_cme_50() throws Exception {
        startWithCard(Faults.NONE);
        for (String c : List.of("AT+CCHO=?", "AT+CCHC=?", "AT+CGLA=?", "AT+CSIM=?")) {
            assertEquals("\r\nOK\r\n", exchange(c, "OK\r\n"), c);
        }
        exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n");
        assertEquals("\r\n+CME ERROR: 50\r\n", exchange("AT+CGLA=1,8,\"80CA00FE04\"", "50\r\n")); // length counts 10
        assertEquals("\r\n+CME ERROR: 50\r\n", exchange("AT+CSIM=3,\"80C\"", "50\r\n"));
        assertEquals("\r\n+CME ERROR: 50\r\n", exchange("AT+CCHO=\"A000\"", "50\r\n"));           // no AID
    }

    @Test
    void fault_no_logical_channels_leaves_only_csim() throws Exception {
        startWithCard(Faults.NONE.withUicc(UiccFaults.NONE.withNoLogicalChannels(true)));
        assertEquals("\r\nERROR\r\n", exchange("AT+CCHO=?", "ERROR\r\n"));
        assertEquals("\r\nERROR\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "ERROR\r\n"));
        assertEquals("\r\nERROR\r\n", exchange("AT+CGLA=1,10,\"81CA00FE04\"", "ERROR\r\n"));
        assertEquals("\r\nOK\r\n", exchange("AT+CSIM=?", "OK\r\n"));
        assertEquals("\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n", exchange("AT+CSIM=10,\"0070000001\"", "OK\r\n"));
    }

    @Test
    void fault_silent_test_commands_gets_only_the_echo() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withCard(card)
                .withFaults(Faults.NONE.withUicc(UiccFaults.NONE.withSilentTestCommands(true))));
        terminal.write("AT+CCHO=?\r".getBytes(StandardCharsets.US_ASCII));
        assertEquals("AT+CCHO=?\r", readUntil("OK", Duration.ofMillis(400)), "echo, then nothing");
        assertEquals("AT+CCHO=\"" + ISD_R + "\"\r\r\n+CCHO: 1\r\n\r\nOK\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n"));
    }

    @Test
    void quirk_bare_channel_number() throws Exception {
        startWithCard(Faults.NONE.withUicc(UiccFaults.NONE.withBareChannelNumber(true)));
        assertEquals("\r\n1\r\n\r\nOK\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n"));
    }

    @Test
    void fault_refused_aid_is_cme_13_on_ccho_and_6a82_through_csim_without_asking_the_card() throws Exception {
        ScriptedCard card = startWithCard(Faults.NONE.withUicc(UiccFaults.NONE.withRefusedAids(Set.of(ISD_R.toLowerCase()))));
        assertEquals("\r\n+CME ERROR: 13\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "13\r\n"));
        exchange("AT+CSIM=10,\"0070000001\"", "OK\r\n");
        assertEquals("\r\n+CSIM: 4,\"6A82\"\r\n\r\nOK\r\n", exchange("AT+CSIM=42,\"01A4040010" + ISD_R + "\"", "OK\r\n"));
        assertEquals(List.of("0070000001"), card.received(), "the SELECT never reached the card");
    }

    @Test
    void fault_apdu_error_reaches_the_card_but_answers_error() throws Exception {
        ScriptedCard card = startWithCard(Faults.NONE.withUicc(UiccFaults.NONE.withApduErrorAt(2)));
        exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n");
        assertEquals("\r\n+CGLA: 4,\"6103\"\r\n\r\nOK\r\n", exchange("AT+CGLA=1,16,\"81E2110003BF3600\"", "OK\r\n"));
        assertEquals("\r\nERROR\r\n", exchange("AT+CGLA=1,10,\"81C0000003\"", "ERROR\r\n"));
        assertEquals("81C0000003", card.received().get(card.received().size() - 1), "the card had it");
        assertEquals("\r\n+CGLA: 4,\"6985\"\r\n\r\nOK\r\n", exchange("AT+CGLA=1,10,\"81C0000003\"", "OK\r\n"),
                "and answered it: nothing pending any more");
    }

    @Test
    void fault_apdu_delay_slows_only_apdus() throws Exception {
        startWithCard(Faults.NONE.withUicc(UiccFaults.NONE.withApduDelay(Duration.ofMillis(400))));
        exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n");
        long t0 = System.nanoTime();
        exchange("AT", "OK\r\n");
        assertTrue(System.nanoTime() - t0 < Duration.ofMillis(300).toNanos(), "AT is not delayed");
        t0 = System.nanoTime();
        assertTrue(exchange("AT+CGLA=1,10,\"81CA00FE04\"", "OK\r\n").contains("+CGLA: 12,"));
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(380).toNanos(), "the APDU is");
    }

    @Test
    void cfun_0_powers_the_card_down_and_cfun_1_up_again_with_the_identity_it_switched_to() throws Exception {
        ScriptedCard card = startWithCard(Faults.NONE);
        exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n");
        card.switchAtPowerUp("262010000000002", "8949000000000001002");
        assertEquals("\r\n262010000000001\r\n\r\nOK\r\n", exchange("AT+CIMI", "OK\r\n"), "not before the refresh");
        assertEquals("\r\nOK\r\n", exchange("AT+CFUN=0", "OK\r\n"));
        assertEquals("\r\n+CFUN: 0\r\n\r\nOK\r\n", exchange("AT+CFUN?", "OK\r\n"));
        assertEquals("\r\n+CME ERROR: 13\r\n", exchange("AT+CIMI", "13\r\n"));
        assertEquals("\r\n+CME ERROR: 13\r\n", exchange("AT+CPIN?", "13\r\n"));
        assertEquals("\r\nOK\r\n", exchange("AT+CFUN=1", "OK\r\n"));
        assertEquals("\r\n+CME ERROR: 14\r\n", exchange("AT+CPIN?", "14\r\n"), "busy while it boots");
        assertTrue(readUntil("+CPIN: READY\r\n", Duration.ofSeconds(3)).contains("\r\n+CPIN: READY\r\n"));
        assertEquals("\r\n262010000000002\r\n\r\nOK\r\n", exchange("AT+CIMI", "OK\r\n"));
        assertEquals("\r\n+QCCID: 8949000000000001002F\r\n\r\nOK\r\n", exchange("AT+QCCID", "OK\r\n"));
        assertEquals(1, card.powerUps());
        assertEquals(List.of(), sim.status().sessions(), "channels do not survive the power cycle");
        assertEquals("\r\n+CME ERROR: 21\r\n", exchange("AT+CGLA=1,10,\"81CA00FE04\"", "21\r\n"));
    }

    @Test
    void a_reset_powers_the_card_up_too() throws Exception {
        ScriptedCard card = startWithCard(Faults.NONE);
        card.switchAtPowerUp("262010000000002", "8949000000000001002");
        sim.reset();
        readUntil("+QIND: SMS DONE\r\n", Duration.ofSeconds(3));
        exchange("ATE0", "OK\r\n");
        assertEquals("\r\n262010000000002\r\n\r\nOK\r\n", exchange("AT+CIMI", "OK\r\n"));
        assertEquals("262010000000002", sim.status().imsi().orElseThrow());
    }

    @Test
    void a_card_without_a_subscription_has_no_imsi() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withCard(new ScriptedCard(ISD_R, null, null)));
        exchange("ATE0", "OK\r\n");
        exchange("AT+CMEE=1", "OK\r\n");
        assertEquals("\r\n+CME ERROR: 10\r\n", exchange("AT+CIMI", "10\r\n"));
        assertFalse(sim.status().imsi().isPresent());
        assertEquals("\r\n+CCHO: 1\r\n\r\nOK\r\n", exchange("AT+CCHO=\"" + ISD_R + "\"", "OK\r\n"), "the ISD-R still answers");
    }
}
