package io.vinbind.esim.euicc;

import static io.vinbind.esim.Hex.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.pki.TestPki;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The eUICC simulator at the APDU level: channels, SELECT, STORE DATA chaining, GET RESPONSE, refusals. */
class EuiccSimulatorTest {

    static TestPki pki;
    EuiccSimulator euicc;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create("smdp.test", 1);
    }

    @BeforeEach
    void newCard() {
        euicc = new EuiccSimulator(pki.euicc(pki.eids().get(0)), EuiccConfig.DEFAULT, null);
    }

    String tx(String apdu) {
        return HexFormat.of().withUpperCase().formatHex(euicc.transmit(bytes(apdu)));
    }

    @Test
    void logicalChannelIsOpenedSelectedUsedAndClosed() {
        assertEquals("019000", tx("00 70 00 00 01"));                                   // MANAGE CHANNEL open → 1
        assertEquals("9000", tx("01 A4 04 00 10 A0000005591010FFFFFFFF8900000100"));   // SELECT ISD-R on channel 1
        assertEquals("6115", tx("81 E2 91 00 06 BF3E035C015A"));
        assertEquals("BF3E125A10" + pki.eids().get(0) + "9000", tx("81 C0 00 00 15"));  // GET RESPONSE: the EID
        assertEquals("9000", tx("00 70 80 01 00"));                                     // MANAGE CHANNEL close 1
        assertEquals("6881", tx("81 E2 91 00 06 BF3E035C015A"));                        // channel 1 is closed
    }

    @Test
    void caseFourStoreDataGetsItsAnswerDirectly() {
        tx("00 A4 04 00 10 A0000005591010FFFFFFFF8900000100");
        assertEquals("BF3E125A10" + pki.eids().get(0) + "9000", tx("80 E2 91 00 06 BF3E035C015A 00"));
    }

    @Test
    void refusalsGetTheStatusWordsOfACard() {
        assertEquals("6985", tx("80 E2 91 00 06 BF3E035C015A"));                      // ISD-R not selected
        assertEquals("6A82", tx("00 A4 04 00 05 A000000559"));                         // unknown AID
        tx("00 A4 04 00 10 A0000005591010FFFFFFFF8900000100");
        assertEquals("6B00", tx("80 E2 11 01 02 BF3E"));                              // block 1 where block 0 was due
        assertEquals("6A80", tx("80 E2 91 00 03 BF7F00"));                            // unknown ES10 function
        assertEquals("6A88", tx("80 E2 91 00 03 860100"));// a BPP segment with no BPP
        assertEquals("6D00", tx("80 CA 00 00 00"));                                   // INS not supported
        assertEquals("6700", tx("80 E2"));                                            // too short
        assertEquals("6700", tx("80 E2 91 00 09 BF3E"));                              // Lc larger than the data
        assertEquals("6985", tx("80 C0 00 00 10"));                                   // GET RESPONSE with nothing pending
        assertEquals("6881", tx("83 E2 91 00 06 BF3E035C015A"));                      // channel 3 not open
    }

    @Test
    void channelsRunOut() {
        for (int i = 1; i < EuiccConfig.DEFAULT.maxLogicalChannels(); i++) {
            assertEquals(String.format("%02X9000", i), tx("00 70 00 00 01"));
        }
        assertEquals("6A81", tx("00 70 00 00 01"));
    }

    @Test
    void longAnswersComeInGetResponseRounds() throws Exception {
        for (int i = 0; i < 6; i++) {
            euicc.preinstall(ProfilePackage.of(new Iccid(String.format("894900000000000%04d", i)), "26201000000000" + i,
                "profile-with-a-longer-name-" + i), i == 0);
        }
        Es10Client es10 = new Es10Client(euicc::transmit);
        es10.open();
        ProfileManagement.ProfilesInfoResponse r = ProfileManagement.ProfilesInfoResponse.decode(
            es10.send(new ProfileManagement.ProfilesInfoRequest(null).encode()));
        assertEquals(6, r.profiles().size());
        assertEquals(ProfileState.ENABLED, r.profiles().get(0).state());
        assertEquals("262010000000000", euicc.enabledImsi().orElseThrow());
        assertTrue(r.profiles().stream().skip(1).allMatch(p -> p.state() == ProfileState.DISABLED));
    }

    @Test
    void disableDeleteAndTheirRefusals() throws Exception {
        euicc.preinstall(ProfilePackage.of(new Iccid("8949000000000009999"), "262010000009999", "p"), true);
        Es10Client es10 = new Es10Client(euicc::transmit);
        es10.open();
        Iccid iccid = new Iccid("8949000000000009999");
        assertEquals(ProfileManagement.Result.PROFILE_NOT_IN_REQUIRED_STATE, result(es10.send(
            new ProfileManagement.DeleteRequest(iccid).encode()), 51));
        assertEquals(ProfileManagement.Result.OK, result(es10.send(
            new ProfileManagement.SwitchRequest(ProfileManagement.Operation.DISABLE, iccid, false).encode()), 50));
        assertTrue(euicc.enabledImsi().isEmpty());
        assertEquals(ProfileManagement.Result.OK, result(es10.send(new ProfileManagement.DeleteRequest(iccid).encode()), 51));
        assertEquals(ProfileManagement.Result.ICCID_OR_AID_NOT_FOUND, result(es10.send(
            new ProfileManagement.SwitchRequest(ProfileManagement.Operation.ENABLE, iccid, false).encode()), 49));

    }

    static ProfileManagement.Result result(byte[] der, int tag) {
        return ProfileManagement.ResultResponse.decode(der, tag).result();
    }

    @Test
    void slowAnswerFaultDelaysEveryApdu() {
        EuiccSimulator slow = new EuiccSimulator(pki.euicc(pki.eids().get(0)),
            EuiccConfig.DEFAULT.withAnswerDelay(java.time.Duration.ofMillis(120)), null);
        long t0 = System.nanoTime();
        assertEquals("019000", HexFormat.of().withUpperCase().formatHex(slow.transmit(bytes("00 70 00 00 01"))));
        assertTrue(System.nanoTime() - t0 >= 120_000_000L);
    }

    @Test
    void channelsFromFourUseTheExtendedClassCoding() throws Exception {
        EuiccSimulator many = new EuiccSimulator(pki.euicc(pki.eids().get(0)), new EuiccConfig(1 << 20, 8, java.time.Duration.ZERO,
            0, false), null);
        for (int i = 1; i <= 4; i++) {
            many.transmit(bytes("00 70 00 00 01"));
        }
        Es10Client es10 = new Es10Client(many::transmit);
        assertEquals(5, es10.open());                                   // SELECT with CLA 41, STORE DATA with CLA C1
        assertEquals(pki.eids().get(0), HexFormat.of().formatHex(ProfileManagement.GetEidResponse.decode(
            es10.send(new ProfileManagement.GetEidRequest().encode())).eid()));
        es10.close();
        assertEquals("6881", HexFormat.of().withUpperCase().formatHex(many.transmit(bytes("C1 E2 91 00 06 BF3E035C015A"))));
    }
}
