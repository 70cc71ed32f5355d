package io.vinbind.modem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.at.Urc;
import io.vinbind.modem.at.UrcKind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Identity, SIM, data and signal answers in the shapes real modems print. */
class AnswersTest {

    @Test
    void cpin_codes_quoted_and_unquoted() {
        assertEquals(SimState.READY, Answers.cpin("+CPIN: READY"));          // 27.007 form
        assertEquals(SimState.PIN_REQUIRED, Answers.cpin("+CPIN: SIM PIN")); // PIN pending
        assertEquals(SimState.PIN_REQUIRED, Answers.cpin("+CPIN: \"SIM PIN\"")); // quoted, some u-blox firmwares
        assertEquals(SimState.PUK_REQUIRED, Answers.cpin("+CPIN: SIM PUK"));
        assertEquals(SimState.DEVICE_LOCKED, Answers.cpin("+CPIN: PH-NET PIN")); // network-locked device
        assertEquals(SimState.NOT_INSERTED, Answers.cpin("+CPIN: NOT INSERTED")); // SIMCom URC on removal
        assertEquals(SimState.NOT_READY, Answers.cpin("+CPIN: NOT READY"));       // Quectel during SIM init
        assertThrows(IllegalArgumentException.class, () -> Answers.cpin("+CPIN: BANANA"));
    }

    @Test
    void imsi_bare_prefixed_and_quoted() {
        // China Mobile: MCC 460, MNC 00 (2 digits), MSIN 1234567890
        Imsi a = Answers.imsi("460001234567890");
        assertEquals("460", a.mcc());
        assertEquals("00", a.mnc());
        assertEquals("1234567890", a.msin());
        // the same IMSI with a vendor prefix and quotes
        assertEquals(a, Answers.imsi("+CIMI: \"460001234567890\""));
        // AT&T: MCC 310 assigns 3-digit MNCs: 310 410 …
        Imsi b = Answers.imsi("310410123456789");
        assertEquals("410", b.mnc());
        assertEquals("123456789", b.msin());
        // leading zeros in the MSIN are digits, not padding
        assertEquals("0000000001", Answers.imsi("262010000000001").msin());
    }

    @Test
    void imsi_rejects_letters_and_bad_lengths() {
        assertThrows(IllegalArgumentException.class, () -> Answers.imsi("46000123456789A"));
        assertThrows(IllegalArgumentException.class, () -> Answers.imsi("4600012345678901")); // 16 digits
        assertThrows(IllegalArgumentException.class, () -> Answers.imsi("+CIMI: "));
    }

    @Test
    void imei_with_luhn_check() {
        // 86769804 TAC, 123456 serial, 1 check digit
        Imei i = Answers.imei("867698041234561");
        assertEquals("86769804", i.tac());
        assertEquals(i, Answers.imei("+CGSN: \"867698041234561\"")); // SIM7600 with AT+CGSN=1 style prefix
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Answers.imei("867698041234568"));
        assertTrue(e.getMessage().contains("Luhn"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Answers.imei("86769804123456")); // 14 digits
    }

    @Test
    void iccid_from_vendor_commands() {
        // Quectel AT+QCCID: 19 digits + padding F
        assertEquals("8986001234567890123", Answers.iccid("+QCCID: 8986001234567890123F").value());
        // SIMCom AT+CICCID: +ICCID: 20 digits
        assertEquals("89860012345678901234", Answers.iccid("+ICCID: 89860012345678901234").value());
        // SIM800 AT+CCID: bare, quoted on some firmwares
        assertEquals("89860012345678901234", Answers.iccid("\"89860012345678901234\"").value());
        // China Unicom style hex letters, lower case in the answer
        assertEquals("89860117C1234567890A", Answers.iccid("+QCCID: 89860117c1234567890a").value());
        assertThrows(IllegalArgumentException.class, () -> Answers.iccid("+QCCID: 1234567890123456789")); // not 89…
    }

    @Test
    void iccid_from_crsm_is_nibble_swapped() {
        // sw1=144 (0x90) sw2=0 OK; data = EF_ICCID, each byte's nibbles swapped: 98 68 00 21 43 65 87 09 21 F3
        Iccid i = Answers.iccidFromCrsm("+CRSM: 144,0,\"98680021436587092143\"");
        assertEquals("89860012345678901234", i.value());
        // 19-digit ICCID: the last byte is "F3" → "3F" → trailing F stripped
        assertEquals("8986001234567890123", Answers.iccidFromCrsm("+CRSM: 144,0,\"986800214365870921F3\"").value());
        // status 6A82 (file not found): the SIM refused, named in the message
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Answers.iccidFromCrsm("+CRSM: 106,130"));
        assertTrue(e.getMessage().contains("6A82"), e.getMessage());
    }

    @Test
    void data_context_state_lines() {
        // +CGACT: <cid>,<state> per context
        assertTrue(Answers.cgactActive(List.of("+CGACT: 1,1", "+CGACT: 2,0"), 1));
        assertFalse(Answers.cgactActive(List.of("+CGACT: 1,1", "+CGACT: 2,0"), 2));
        // +QIACT: <contextID>,<context_state>,<context_type>,<IP_address>
        assertTrue(Answers.qiactActive(List.of("+QIACT: 1,1,1,\"10.64.12.7\""), 1));
        assertFalse(Answers.qiactActive(List.of(), 1)); // Quectel prints nothing when no context is active
    }

    @Test
    void context_drop_urcs() {
        assertEquals(Optional.of(1), Answers.droppedContext(urc(UrcKind.QIURC, "+QIURC: \"pdpdeact\",1")));
        assertEquals(Optional.empty(), Answers.droppedContext(urc(UrcKind.QIURC, "+QIURC: \"closed\",0")));
        assertEquals(Optional.of(1), Answers.droppedContext(urc(UrcKind.CGEV, "+CGEV: NW PDN DEACT 1")));
        assertEquals(Optional.of(3), Answers.droppedContext(urc(UrcKind.CGEV, "+CGEV: ME PDN DEACT 3")));
        // legacy form: <PDP_type>,<PDP_addr>,<cid>
        assertEquals(Optional.of(2), Answers.droppedContext(urc(UrcKind.CGEV, "+CGEV: NW DEACT \"IP\",\"10.0.0.2\",2")));
        assertEquals(Optional.of(-1), Answers.droppedContext(urc(UrcKind.CGEV, "+CGEV: NW DETACH")));
        assertEquals(Optional.empty(), Answers.droppedContext(urc(UrcKind.CGEV, "+CGEV: NW PDN ACT 1")));
    }

    @Test
    void signal_quality_in_dbm() {
        // rssi 0 → -113 dBm, 20 → -73, 31 → -51, 99 unknown; ber 99 unknown
        assertEquals(-113, SignalQuality.parse("+CSQ: 0,0").rssiDbm().getAsInt());
        assertEquals(-73, SignalQuality.parse("+CSQ: 20,99").rssiDbm().getAsInt());
        assertEquals(-51, SignalQuality.parse("+CSQ: 31,7").rssiDbm().getAsInt());
        assertTrue(SignalQuality.parse("+CSQ: 99,99").rssiDbm().isEmpty());
        assertTrue(SignalQuality.parse("+CSQ: 99,99").bitErrorRate().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> SignalQuality.parse("+CSQ: 45,99"));
    }

    @Test
    void operator_forms() {
        // <mode>=0 automatic, <format>=0 long alphanumeric, <oper>, <AcT>=7
        Operator o = Operator.parse("+COPS: 0,0,\"CHINA MOBILE\",7").orElseThrow();
        assertEquals("CHINA MOBILE", o.name());
        assertEquals(Operator.Format.LONG_ALPHANUMERIC, o.format());
        assertEquals(Optional.of(AccessTechnology.E_UTRAN), o.accessTechnology());
        // numeric format, no AcT (2G-era modems)
        Operator n = Operator.parse("+COPS: 0,2,\"46001\"").orElseThrow();
        assertEquals(Operator.Format.NUMERIC, n.format());
        assertEquals(Optional.empty(), n.accessTechnology());
        // not registered: only <mode>
        assertEquals(Optional.empty(), Operator.parse("+COPS: 0"));
    }

    private static Urc urc(UrcKind k, String line) {
        return new Urc(k, line, Instant.EPOCH);
    }
}
