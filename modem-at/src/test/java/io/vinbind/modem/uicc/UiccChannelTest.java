package io.vinbind.modem.uicc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtTimeoutException;
import io.vinbind.modem.at.FinalResult;
import io.vinbind.modem.at.ScriptedModem;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The channel API against a scripted modem that answers each command with exact bytes: both paths, the answer
 * shapes real modems give and the malformed ones, GET RESPONSE chaining, the quirks and the deadlines.
 */
class UiccChannelTest {

    private static final String ISD_R = "A0000005591010FFFFFFFF8900000100";
    private static final String CCHO = "AT+CCHO=\"" + ISD_R + "\"";
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final ScriptedModem modem = new ScriptedModem();
    private final AtEngine engine = AtEngine.start(modem.link());

    @AfterEach
    void tearDown() {
        engine.close();
        modem.close();
        assertEquals(List.of(), modem.unexpected(), "commands the script did not expect");
    }

    private Uicc uicc(UiccConfig config) {
        return Uicc.on(engine, config);
    }

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    @Test
    void logical_channel_opens_transmits_with_the_channel_in_cla_and_closes() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                // STORE DATA 80 E2 91 00 goes out on channel 1 as 81 E2 91 00; 16 = two hex digits per byte
                .on("AT+CGLA=1,16,\"81E2910003BF2D00\"", "\r\n+CGLA: 8,\"BF2D9000\"\r\n\r\nOK\r\n")
                .on("AT+CCHC=1", "\r\nOK\r\n");
        Uicc uicc = uicc(UiccConfig.DEFAULT);
        try (UiccChannel ch = uicc.open(ISD_R)) {
            assertEquals(1, ch.number());
            assertEquals(ChannelPath.LOGICAL_CHANNEL, ch.path());
            ResponseApdu r = ch.transmit(hex("80E2910003BF2D00"));
            assertArrayEquals(hex("BF2D"), r.data());
            assertEquals(0x9000, r.sw());
            assertTrue(r.isOk());
        }
        assertEquals(ChannelPath.LOGICAL_CHANNEL, uicc.path(), "AUTO settled on the path that worked");
    }

    @Test
    void bare_session_id_from_ccho_is_accepted() throws Exception {
        modem.on(CCHO, "\r\n2\r\n\r\nOK\r\n")                                // 27.007's own form: the number alone
                .on("AT+CGLA=2,10,\"82CA00FE04\"", "\r\n+CGLA: 12,\"CAFE12349000\"\r\n\r\nOK\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT).open(ISD_R);
        assertEquals(2, ch.number());
        assertEquals("CAFE1234 SW 9000", ch.transmit(hex("80CA00FE04")).toString());
    }

    @Test
    void answer_without_quotes_and_with_spaces_is_read() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,10,\"81CA00FE04\"", "\r\n+CGLA: 4 , 6A88\r\n\r\nOK\r\n");
        assertEquals(0x6A88, uicc(UiccConfig.DEFAULT).open(ISD_R).transmit(hex("80CA00FE04")).sw());
    }

    @Test
    void sixty_one_xx_is_followed_by_get_response_until_the_card_is_done() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,16,\"81E2910003BF2D00\"", "\r\n+CGLA: 4,\"6115\"\r\n\r\nOK\r\n")
                // GET RESPONSE in the command's class (81), Le = SW2
                .on("AT+CGLA=1,10,\"81C0000015\"",
                        "\r\n+CGLA: 36,\"000102030405060708090A0B0C0D0E0F6105\"\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,10,\"81C0000005\"", "\r\n+CGLA: 14,\"10111213149000\"\r\n\r\nOK\r\n");
        ResponseApdu r = uicc(UiccConfig.DEFAULT).open(ISD_R).transmit(hex("80E2910003BF2D00"));
        assertEquals("000102030405060708090A0B0C0D0E0F1011121314", r.dataHex());
        assertEquals(0x9000, r.sw());
    }

    @Test
    void get_response_can_be_left_to_the_caller() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,16,\"81E2910003BF2D00\"", "\r\n+CGLA: 4,\"6115\"\r\n\r\nOK\r\n");
        ResponseApdu r = uicc(UiccConfig.DEFAULT.withGetResponse(false)).open(ISD_R).transmit(hex("80E2910003BF2D00"));
        assertEquals(0x6115, r.sw());
    }

    @Test
    void six_c_xx_sends_the_command_again_with_the_le_the_card_wants() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,10,\"81CA00FE00\"", "\r\n+CGLA: 4,\"6C04\"\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,10,\"81CA00FE04\"", "\r\n+CGLA: 12,\"CAFE12349000\"\r\n\r\nOK\r\n");
        assertEquals("CAFE1234", uicc(UiccConfig.DEFAULT).open(ISD_R).transmit(hex("80CA00FE00")).dataHex());
    }

    @Test
    void endless_61xx_is_bounded() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,8,\"81E29100\"", "\r\n+CGLA: 4,\"6110\"\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,10,\"81C0000010\"", "\r\n+CGLA: 4,\"6110\"\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,10,\"81C0000010\"", "\r\n+CGLA: 4,\"6110\"\r\n\r\nOK\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT.withMaxGetResponses(2)).open(ISD_R);
        UiccException e = assertThrows(UiccException.class, () -> ch.transmit(hex("80E29100")));
        assertEquals(UiccException.Reason.TOO_MANY_GET_RESPONSES, e.reason());
    }

    // ------------------------------------------------------------------ malformed answers, each named

    private UiccException badAnswer(String answerLine) throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,10,\"81CA00FE04\"", "\r\n" + answerLine + "\r\n\r\nOK\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT).open(ISD_R);
        UiccException e = assertThrows(UiccException.class, () -> ch.transmit(hex("80CA00FE04")));
        assertTrue(e.mayHaveReachedCard(), "the modem said OK: the card had the APDU");
        assertEquals("AT+CGLA=1,10,\"81CA00FE04\"", e.command());
        return e;
    }

    @Test
    void non_hex_answer_names_the_character_and_offset() throws Exception {
        UiccException e = badAnswer("+CGLA: 4,\"90G0\"");
        assertEquals(UiccException.Reason.BAD_HEX, e.reason());
        assertTrue(e.getMessage().contains("'G' at offset 2"), e.getMessage());
    }

    @Test
    void odd_hex_answer_is_bad_hex() throws Exception {
        assertEquals(UiccException.Reason.BAD_HEX, badAnswer("+CGLA: 5,\"90000\"").reason());
    }

    @Test
    void unbalanced_quote_is_bad_hex() throws Exception {
        assertEquals(UiccException.Reason.BAD_HEX, badAnswer("+CGLA: 4,\"9000").reason());
    }

    @Test
    void length_field_counting_bytes_instead_of_hex_digits_is_bad_length() throws Exception {
        UiccException e = badAnswer("+CGLA: 2,\"9000\""); // 2 bytes, but 27.007 counts 4 characters
        assertEquals(UiccException.Reason.BAD_LENGTH, e.reason());
        assertTrue(e.getMessage().contains("length field 2 but 4 hex characters"), e.getMessage());
    }

    @Test
    void answer_shorter_than_a_status_word_has_none() throws Exception {
        assertEquals(UiccException.Reason.NO_STATUS_WORD, badAnswer("+CGLA: 2,\"90\"").reason());
    }

    @Test
    void ok_without_a_cgla_line_has_no_status_word() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n").on("AT+CGLA=1,10,\"81CA00FE04\"", "\r\nOK\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT).open(ISD_R);
        assertEquals(UiccException.Reason.NO_STATUS_WORD,
                assertThrows(UiccException.class, () -> ch.transmit(hex("80CA00FE04"))).reason());
    }

    @Test
    void ccho_answer_that_is_no_number_is_bad_channel() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: one\r\n\r\nOK\r\n");
        UiccException e = assertThrows(UiccException.class, () -> uicc(UiccConfig.DEFAULT).open(ISD_R));
        assertEquals(UiccException.Reason.BAD_CHANNEL, e.reason());
    }

    // ------------------------------------------------------------------ quirks

    @Test
    void cme_13_to_ccho_means_the_card_has_no_such_application() throws Exception {
        modem.on(CCHO, "\r\n+CME ERROR: 13\r\n"); // a SIM that is not an eUICC, asked for the ISD-R
        UiccException e = assertThrows(UiccException.class, () -> uicc(UiccConfig.DEFAULT).open(ISD_R));
        assertEquals(UiccException.Reason.NO_SUCH_APPLICATION, e.reason());
        assertInstanceOf(FinalResult.CmeError.class, e.result().orElseThrow());
        assertFalse(e.mayHaveReachedCard());
    }

    @Test
    void plain_error_to_an_apdu_mid_download_is_a_modem_error_that_may_have_reached_the_card() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,16,\"81E2110003BF3600\"", "\r\nERROR\r\n")             // e.g. a Quectel EC20F mid-BPP
                .on("AT+CGLA=1,16,\"81E2910003BF2D00\"", "\r\n+CGLA: 4,\"9000\"\r\n\r\nOK\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT).open(ISD_R);
        UiccException e = assertThrows(UiccException.class, () -> ch.transmit(hex("80E2110003BF3600"), ApduKind.DOWNLOAD));
        assertEquals(UiccException.Reason.MODEM_ERROR, e.reason());
        assertTrue(e.mayHaveReachedCard());
        assertTrue(ch.isOpen(), "the channel stays usable: the caller finds out what the card did");
        assertEquals(0x9000, ch.transmit(hex("80E2910003BF2D00")).sw());
    }

    @Test
    void cme_error_to_cgla_is_modem_refused() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n").on("AT+CGLA=1,10,\"81CA00FE04\"", "\r\n+CME ERROR: 21\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT).open(ISD_R);
        UiccException e = assertThrows(UiccException.class, () -> ch.transmit(hex("80CA00FE04")));
        assertEquals(UiccException.Reason.MODEM_REFUSED, e.reason());
        assertEquals(21, ((FinalResult.CmeError) e.result().orElseThrow()).number());
    }

    // ------------------------------------------------------------------ the AT+CSIM path

    @Test
    void auto_uses_csim_when_the_modem_lacks_ccho_and_remembers_it() throws Exception {
        modem.on(CCHO, "\r\nERROR\r\n")
                .on("AT+CSIM=10,\"0070000001\"", "\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n")             // MANAGE CHANNEL -> 1
                .on("AT+CSIM=42,\"01A4040010" + ISD_R + "\"", "\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n")  // SELECT on channel 1
                .on("AT+CSIM=16,\"81E2910003BF2D00\"", "\r\n+CSIM: 4,\"6102\"\r\n\r\nOK\r\n")
                .on("AT+CSIM=10,\"81C0000002\"", "\r\n+CSIM: 8,\"BF2D9000\"\r\n\r\nOK\r\n")
                .on("AT+CSIM=10,\"0070800100\"", "\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n")              // MANAGE CHANNEL close
                .on("AT+CSIM=10,\"0070000001\"", "\r\n+CSIM: 6,\"029000\"\r\n\r\nOK\r\n")             // no AT+CCHO again
                .on("AT+CSIM=42,\"02A4040010" + ISD_R + "\"", "\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n");
        Uicc uicc = uicc(UiccConfig.DEFAULT);
        try (UiccChannel ch = uicc.open(ISD_R)) {
            assertEquals(ChannelPath.CSIM, ch.path());
            assertEquals(1, ch.number());
            assertEquals("BF2D SW 9000", ch.transmit(hex("80E2910003BF2D00")).toString());
        }
        assertEquals(ChannelPath.CSIM, uicc.path());
        assertEquals(2, uicc.open(ISD_R).number());
    }

    @Test
    void csim_select_of_a_missing_application_closes_the_channel_and_says_so() throws Exception {
        modem.on("AT+CSIM=10,\"0070000001\"", "\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n")
                .on("AT+CSIM=42,\"01A4040010" + ISD_R + "\"", "\r\n+CSIM: 4,\"6A82\"\r\n\r\nOK\r\n")
                .on("AT+CSIM=10,\"0070800100\"", "\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n");
        UiccException e = assertThrows(UiccException.class,
                () -> uicc(UiccConfig.DEFAULT.withPath(ChannelPath.CSIM)).open(ISD_R));
        assertEquals(UiccException.Reason.NO_SUCH_APPLICATION, e.reason());
        assertEquals(0x6A82, e.statusWord().getAsInt());
    }

    @Test
    void csim_without_a_free_channel() throws Exception {
        modem.on("AT+CSIM=10,\"0070000001\"", "\r\n+CSIM: 4,\"6A81\"\r\n\r\nOK\r\n");
        UiccException e = assertThrows(UiccException.class,
                () -> uicc(UiccConfig.DEFAULT.withPath(ChannelPath.CSIM)).open(ISD_R));
        assertEquals(UiccException.Reason.NO_FREE_CHANNEL, e.reason());
    }

    @Test
    void modem_with_neither_path_is_not_supported() throws Exception {
        modem.on(CCHO, "\r\nERROR\r\n").on("AT+CSIM=10,\"0070000001\"", "\r\nERROR\r\n");
        UiccException e = assertThrows(UiccException.class, () -> uicc(UiccConfig.DEFAULT).open(ISD_R));
        assertEquals(UiccException.Reason.NOT_SUPPORTED, e.reason());
        assertTrue(e.getMessage().contains("no AT+CCHO either"), e.getMessage());
    }

    @Test
    void explicit_logical_channel_path_does_not_fall_back() throws Exception {
        modem.on(CCHO, "\r\nERROR\r\n");
        UiccException e = assertThrows(UiccException.class,
                () -> uicc(UiccConfig.DEFAULT.withPath(ChannelPath.LOGICAL_CHANNEL)).open(ISD_R));
        assertEquals(UiccException.Reason.NOT_SUPPORTED, e.reason());
    }

    // ------------------------------------------------------------------ deadlines and life cycle

    @Test
    void each_kind_of_apdu_has_its_own_deadline() throws Exception {
        UiccConfig config = UiccConfig.DEFAULT.withTimeouts(Duration.ofMillis(200), Duration.ofMillis(700), Duration.ofMillis(300));
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n")
                .on("AT+CGLA=1,8,\"81CA00FE\"")   // never answered
                .on("AT+CGLA=1,8,\"81CA00FE\"")
                .on("AT+CCHC=1");
        UiccChannel ch = uicc(config).open(ISD_R);
        long t0 = System.nanoTime();
        AtTimeoutException ordinary = assertThrows(AtTimeoutException.class, () -> ch.transmit(hex("80CA00FE")));
        assertEquals(Duration.ofMillis(200), ordinary.timeout());
        AtTimeoutException download = assertThrows(AtTimeoutException.class,
                () -> ch.transmit(hex("80CA00FE"), ApduKind.DOWNLOAD));
        assertEquals(Duration.ofMillis(700), download.timeout());
        AtTimeoutException cleanup = assertThrows(AtTimeoutException.class, ch::close);
        assertEquals(Duration.ofMillis(300), cleanup.timeout());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "bounded waits");
        assertFalse(ch.isOpen(), "a channel whose close failed counts as closed");
    }

    @Test
    void a_closed_channel_refuses_apdus_and_closing_twice_is_harmless() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 3\r\n\r\nOK\r\n").on("AT+CCHC=3", "\r\nOK\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT).open(ISD_R);
        ch.close();
        ch.close();
        assertEquals(UiccException.Reason.CHANNEL_CLOSED,
                assertThrows(UiccException.class, () -> ch.transmit(hex("80CA00FE"))).reason());
    }

    @Test
    void a_stale_channel_is_closed_by_number() throws Exception {
        modem.on("AT+CCHC=2", "\r\nOK\r\n");
        uicc(UiccConfig.DEFAULT).closeChannel(2);
    }

    @Test
    void malformed_command_apdus_are_refused_before_anything_is_sent() throws Exception {
        modem.on(CCHO, "\r\n+CCHO: 1\r\n\r\nOK\r\n");
        UiccChannel ch = uicc(UiccConfig.DEFAULT).open(ISD_R);
        assertThrows(IllegalArgumentException.class, () -> ch.transmit(hex("80CA00")));          // no header
        assertThrows(IllegalArgumentException.class, () -> ch.transmit(hex("80E2910005BF2D00"))); // Lc 5, 3 bytes
        assertThrows(IllegalArgumentException.class, () -> ch.transmit(new byte[262]));
    }
}
