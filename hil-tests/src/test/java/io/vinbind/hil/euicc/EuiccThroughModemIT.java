package io.vinbind.hil.euicc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.esim.e2e.Operator;
import io.vinbind.esim.e2e.TestLpa;
import io.vinbind.esim.es10.ApduTransport;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.es10.Es10Exception;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.ProfileInfo;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.SimIdentity;
import io.vinbind.modem.SimRefresh;
import io.vinbind.modem.at.AtErrorException;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.link.SocatPtyPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.modem.sim.UiccFaults;
import io.vinbind.modem.uicc.ApduKind;
import io.vinbind.modem.uicc.ChannelPath;
import io.vinbind.modem.uicc.UiccChannel;
import io.vinbind.modem.uicc.UiccException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eUICC simulator inside the modem simulator, reached the way a terminal reaches a real one: the modem on a socat
 * pty pair through jSerialComm, a logical channel to the ISD-R (AT+CCHO/CGLA, or AT+CSIM), ES10 over it. Profiles
 * come from the SM-DP+ simulator over HTTPS with esim's test LPA — the whole download through the modem's AT port —
 * and an EnableProfile through the channel plus the modem's refresh moves AT+CIMI and the ICCID to the new profile.
 */
class EuiccThroughModemIT {

    static final String TOKEN = "es2-token-euicc-through-modem";
    static TestPki pki;
    static SmdpSimulator smdp;
    static SSLContext tls;
    static final List<InventoryProfile> inventory = new ArrayList<>();
    static final AtomicInteger nextProfile = new AtomicInteger();
    static final AtomicInteger nextEid = new AtomicInteger(100);

    @TempDir
    Path dir;
    private SocatPtyPair pty;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private ModemSimulator sim;

    @BeforeAll
    static void smdp() throws Exception {
        pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
        for (int i = 0; i < 12; i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000002%03d", i), String.format("26201000002%04d", i),
                    "vinbind-iot"));
        }
        smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, TOKEN));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ci", pki.ci());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
    }

    @AfterAll
    static void stopSmdp() {
        if (smdp != null) {
            smdp.close();
        }
    }

    @BeforeEach
    void ptyPair() throws IOException {
        assumeTrue(SocatPtyPair.socatAvailable(), "skipped: socat is not on the PATH (needed for a pty pair)");
        pty = SocatPtyPair.start(dir.resolve("modem"), dir.resolve("terminal"));
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

    private EuiccSimulator euicc(EuiccConfig config) {
        return new EuiccSimulator(pki.issueEuicc(pki.eidNumber(nextEid.incrementAndGet())), config, null);
    }

    /** The modem simulator on the pty's modem end with this eUICC as its card; the terminal's modem on the other end. */
    private Modem modemWith(EuiccSimulator euicc, UiccFaults faults) throws Exception {
        JSerialCommLink link = JSerialCommLink.open(SerialConfig.of(dir.resolve("modem").toString()));
        toClose.add(link);
        sim = ModemSimulator.start(link, SimulatorConfig.DEFAULT.withCard(EuiccWiring.card(euicc))
                .withFaults(Faults.NONE.withUicc(faults)));
        toClose.add(sim);
        Modem modem = Modem.open(SerialConfig.of(dir.resolve("terminal").toString()), ModemConfig.DEFAULT);
        toClose.add(modem);
        modem.initialise();
        return modem;
    }

    private record Lpa(UiccChannel channel, Es10Client es10, TestLpa lpa, Operator operator) {
    }

    private Lpa lpa(Modem modem, ApduTransport wrap) throws Exception {
        UiccChannel channel = modem.uicc().open(EuiccWiring.ISD_R);
        ApduTransport t = wrap != null ? wrap : new ChannelTransport(channel, ApduKind.DOWNLOAD);
        Es10Client es10 = new Es10Client(t);
        es10.useChannel(channel.number());
        TestLpa lpa = new TestLpa(smdp.baseUri(), smdp.smdpAddress(), tls, es10);
        return new Lpa(channel, es10, lpa, new Operator(lpa, TOKEN));
    }

    private static InventoryProfile nextProfile() {
        return inventory.get(nextProfile.getAndIncrement());
    }

    private static Map<String, ProfileState> profiles(Es10Client es10) throws Es10Exception {
        return ProfileManagement.ProfilesInfoResponse.decode(es10.send(new ProfileManagement.ProfilesInfoRequest(null).encode()))
                .profiles().stream().collect(Collectors.toMap(p -> p.iccid().digits(), ProfileInfo::state));
    }

    @Test
    void two_profiles_downloaded_through_the_modem_and_imsi_and_iccid_follow_enable_and_refresh() throws Exception {
        EuiccSimulator euicc = euicc(EuiccConfig.DEFAULT.withEnableNeedsRefresh(true));
        Modem modem = modemWith(euicc, UiccFaults.NONE);
        InventoryProfile first = nextProfile();
        InventoryProfile second = nextProfile();

        // download and install both, over AT+CCHO/CGLA with the download deadline
        Lpa a = lpa(modem, null);
        assertEquals(ChannelPath.LOGICAL_CHANNEL, a.channel().path());
        for (InventoryProfile p : List.of(first, second)) {
            ProfileInstallationResult pir = a.lpa().download(a.operator().order(euicc.eid(), p.iccid(), null), null);
            assertTrue(pir.succeeded(), () -> "installation failed: " + pir.result());
            assertEquals(1, a.lpa().sendNotifications().size());
        }
        assertEquals(Map.of(first.iccid(), ProfileState.DISABLED, second.iccid(), ProfileState.DISABLED), profiles(a.es10()));
        AtErrorException none = assertThrows(AtErrorException.class, modem::imsi, "no profile enabled yet: no IMSI");
        assertTrue(none.getMessage().contains("+CME ERROR: 10"), none.getMessage());

        // enable the first through the channel; the network sees it after the refresh
        assertEquals(ProfileManagement.Result.OK, a.lpa().enable(new Iccid(first.iccid())));
        a.channel().close();
        SimIdentity one = modem.refreshSim(SimRefresh.cfunCycle(), Duration.ofSeconds(30));
        assertEquals(first.imsi(), one.imsi().value());
        assertEquals(first.iccid(), one.iccid().value());

        // then switch to the second: ES10 EnableProfile through a new channel (the refresh closed the old one)
        Lpa b = lpa(modem, null);
        assertEquals(ProfileManagement.Result.OK, b.lpa().enable(new Iccid(second.iccid())));
        assertEquals(first.imsi(), modem.imsi().value(), "the enable waits for the REFRESH");
        assertEquals(Map.of(first.iccid(), ProfileState.DISABLED, second.iccid(), ProfileState.ENABLED), profiles(b.es10()));
        b.channel().close();
        SimIdentity two = modem.refreshSim(SimRefresh.restart(), Duration.ofSeconds(30));
        assertEquals(second.imsi(), two.imsi().value());
        assertEquals(second.iccid(), two.iccid().value());
        assertEquals(second.imsi(), modem.imsi().value());
        assertEquals(second.iccid(), modem.iccid().value());
    }

    @Test
    void download_over_csim_on_a_slow_modem_without_logical_channels_or_answers_to_test_commands() throws Exception {
        EuiccSimulator euicc = euicc(EuiccConfig.DEFAULT);
        Modem modem = modemWith(euicc, UiccFaults.NONE.withNoLogicalChannels(true).withSilentTestCommands(true)
                .withApduDelay(Duration.ofMillis(30)));
        InventoryProfile p = nextProfile();
        Lpa a = lpa(modem, null);
        assertEquals(ChannelPath.CSIM, a.channel().path());
        assertTrue(a.lpa().download(a.operator().order(null, p.iccid(), null), null).succeeded());
        assertEquals(ProfileManagement.Result.OK, a.lpa().enable(new Iccid(p.iccid())));
        assertEquals(p.imsi(), modem.imsi().value(), "without enableNeedsRefresh the switch is at once");
        a.channel().close();
        assertFalse(sim.receivedCommands().stream().anyMatch(c -> c.endsWith("=?")), "never waited on a =? probe");
    }

    @Test
    void plain_error_in_the_middle_of_a_download_reaches_the_lpa_as_a_typed_failure() throws Exception {
        EuiccSimulator euicc = euicc(EuiccConfig.DEFAULT);
        Modem modem = modemWith(euicc, UiccFaults.NONE);
        UiccChannel channel = modem.uicc().open(EuiccWiring.ISD_R);
        ChannelTransport inner = new ChannelTransport(channel, ApduKind.DOWNLOAD);
        AtomicBoolean armed = new AtomicBoolean();
        // just before the segment with the A3 header (sequenceOf86) goes out, the modem is told to answer it ERROR
        ApduTransport wrap = apdu -> {
            if (apdu.length > 5 && (apdu[1] & 0xFF) == 0xE2 && apdu[3] == 0 && (apdu[5] & 0xFF) == 0xA3
                    && armed.compareAndSet(false, true)) {
                sim.setFaults(Faults.NONE.withUicc(UiccFaults.NONE.withApduErrorAt(1)));
            }
            return inner.transmit(apdu);
        };
        Es10Client es10 = new Es10Client(wrap);
        es10.useChannel(channel.number());
        TestLpa lpa = new TestLpa(smdp.baseUri(), smdp.smdpAddress(), tls, es10);
        InventoryProfile p = nextProfile();

        Es10Exception e = assertThrows(Es10Exception.class,
                () -> lpa.download(new Operator(lpa, TOKEN).order(null, p.iccid(), null), null));

        assertTrue(armed.get(), "the fault was armed mid-download");
        UiccException cause = assertInstanceOf(UiccException.class, e.getCause().getCause(), e.toString());
        assertEquals(UiccException.Reason.MODEM_ERROR, cause.reason());
        assertTrue(cause.mayHaveReachedCard());
        // the channel still works and the card is readable: the LPA can find out where the download stands
        sim.setFaults(Faults.NONE);
        Es10Client after = new Es10Client(inner);
        after.useChannel(channel.number());
        assertEquals(Map.of(), profiles(after), "not installed: the LPA stopped at the ERROR");
        assertTrue(euicc.pendingNotifications().isEmpty());
        channel.close();
        // the card's power cycle ends the download as interrupted; with no profile enabled there is no IMSI to read
        AtErrorException noImsi = assertThrows(AtErrorException.class,
                () -> modem.refreshSim(SimRefresh.cfunCycle(), Duration.ofSeconds(30)));
        assertTrue(noImsi.getMessage().startsWith("AT+CIMI: modem answered +CME ERROR: 10"), noImsi.getMessage());
        assertEquals(1, euicc.pendingNotifications().size(), "the interrupted download's result waits for the SM-DP+");
    }

    @Test
    void a_sim_that_is_not_an_euicc_is_told_apart_on_both_paths() throws Exception {
        EuiccSimulator euicc = euicc(EuiccConfig.DEFAULT);
        Modem modem = modemWith(euicc, UiccFaults.NONE.withRefusedAids(Set.of(EuiccWiring.ISD_R)));
        UiccException ccho = assertThrows(UiccException.class, () -> modem.uicc().open(EuiccWiring.ISD_R));
        assertEquals(UiccException.Reason.NO_SUCH_APPLICATION, ccho.reason());
        assertTrue(ccho.getMessage().contains("+CME ERROR: 13"), ccho.getMessage());

        sim.setFaults(Faults.NONE.withUicc(UiccFaults.NONE.withNoLogicalChannels(true).withRefusedAids(Set.of(EuiccWiring.ISD_R))));
        Modem csim = Modem.attach(modem.engine(), ModemConfig.DEFAULT.withUicc(
                io.vinbind.modem.uicc.UiccConfig.DEFAULT.withPath(ChannelPath.CSIM)));
        UiccException select = assertThrows(UiccException.class, () -> csim.uicc().open(EuiccWiring.ISD_R));
        assertEquals(UiccException.Reason.NO_SUCH_APPLICATION, select.reason());
        assertEquals(0x6A82, select.statusWord().getAsInt());
    }
}
