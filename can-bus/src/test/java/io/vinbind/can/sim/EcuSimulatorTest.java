package io.vinbind.can.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.Hex;
import io.vinbind.can.isotp.IsoTpChannel;
import io.vinbind.can.isotp.IsoTpConfig;
import io.vinbind.can.isotp.StMin;
import io.vinbind.can.uds.DidReadResult;
import io.vinbind.can.uds.NegativeResponse;
import io.vinbind.can.uds.Nrc;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsClientConfig;
import io.vinbind.can.uds.UdsNegativeResponseException;
import io.vinbind.can.uds.UdsProtocolException;
import io.vinbind.can.uds.UdsResponse;
import io.vinbind.can.uds.UdsTimeoutException;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeFrameCodec;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.can.virtual.VirtualCanBus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EcuSimulatorTest {

    static final String VIN = "LSGPC52U6AF102554";
    private static final Duration WAIT = Duration.ofSeconds(2);

    private final VirtualCanBus bus = VirtualCanBus.create("sim");
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private EcuSimulator start(EcuSimulatorConfig config) throws Exception {
        EcuSimulator sim = EcuSimulator.start(bus.connect("ecu"), config.withPower(config.powerMode(), Duration.ZERO, config.powerLayout()));
        open.add(sim);
        return sim;
    }

    private UdsClient client(Duration p2) throws Exception {
        CanChannel c = bus.connect("tester");
        open.add(c);
        return UdsClient.over(c, UdsClientConfig.defaults().withTimings(p2, Duration.ofMillis(2000), Duration.ofSeconds(4)));
    }

    private CanChannel sniffer(CanFilter... filters) throws Exception {
        CanChannel c = bus.connect("sniffer");
        c.setFilters(List.of(filters));
        open.add(c);
        return c;
    }

    @Test
    void answers_the_vin_over_isotp_with_its_own_padding() throws Exception {
        start(EcuSimulatorConfig.of(VIN));
        CanChannel sniff = sniffer(CanFilter.exact(CanId.standard(0x748)));
        assertEquals(VIN, client(Duration.ofMillis(1000)).readVin());
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x748),
                0x10, 0x14, 0x62, 0xF1, 0x90, 'L', 'S', 'G'), sniff.receive(WAIT).orElseThrow());      // FF, 20 bytes
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x748),
                0x21, 'P', 'C', '5', '2', 'U', '6', 'A'), sniff.receive(WAIT).orElseThrow());          // CF 1
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x748),
                0x22, 'F', '1', '0', '2', '5', '5', '4'), sniff.receive(WAIT).orElseThrow());          // CF 2
    }

    @Test
    void pads_short_answers_with_its_fill_byte_and_appends_vin_fill() throws Exception {
        start(EcuSimulatorConfig.of(VIN).withVinFill(0x20, 3));
        CanChannel sniff = sniffer(CanFilter.exact(CanId.standard(0x748)));
        assertEquals(VIN, client(Duration.ofMillis(1000)).readVin());
        sniff.receive(WAIT).orElseThrow();
        sniff.receive(WAIT).orElseThrow();
        sniff.receive(WAIT).orElseThrow();
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x748),
                0x23,                 // CF 3: the three 0x20 fill bytes
                0x20, 0x20, 0x20,
                0xAA, 0xAA, 0xAA, 0xAA), // simulator padding 0xAA
                sniff.receive(WAIT).orElseThrow());
    }

    @Test
    void uses_its_configured_flow_control_for_long_requests_and_refuses_them_with_0x13() throws Exception {
        start(EcuSimulatorConfig.of(VIN).withFlowControl(2, StMin.ofMillis(10)));
        CanChannel sniff = sniffer(CanFilter.exact(CanId.standard(0x748)));
        CanChannel testerCan = bus.connect("tester-raw");
        open.add(testerCan);
        IsoTpChannel tester = new IsoTpChannel(testerCan, IsoTpConfig.of(CanId.standard(0x740), CanId.standard(0x748)));
        tester.send(Hex.parse("22F190F18CF1A0F187"));   // 9 bytes: several DIDs in one request
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x748),
                0x30, 0x02, 0x0A,                       // FC: CTS, BS 2, STmin 10 ms
                0xAA, 0xAA, 0xAA, 0xAA, 0xAA), sniff.receive(WAIT).orElseThrow());
        assertEquals("7F2213", Hex.of(tester.receive(WAIT).orElseThrow()));
    }

    @Test
    void refuses_other_dids_and_services() throws Exception {
        start(EcuSimulatorConfig.of(VIN));
        UdsClient uds = client(Duration.ofMillis(1000));
        DidReadResult other = uds.readDataByIdentifier(0xF18C);
        assertEquals(Nrc.REQUEST_OUT_OF_RANGE, assertInstanceOf(NegativeResponse.class, other).nrc().orElseThrow());
        UdsResponse session = uds.request(new byte[] {0x10, 0x03});
        assertEquals(Nrc.SERVICE_NOT_SUPPORTED, assertInstanceOf(NegativeResponse.class, session).nrc().orElseThrow());
    }

    @Test
    void fault_pending_sends_that_many_0x78_before_the_vin() throws Exception {
        start(EcuSimulatorConfig.of(VIN).withFault(EcuFault.parse("pending:3:50ms")));
        CanChannel sniff = sniffer(CanFilter.exact(CanId.standard(0x748)));
        assertEquals(VIN, client(Duration.ofMillis(1000)).readVin());
        for (int i = 0; i < 3; i++) {
            assertEquals(CanFrame.ofUnsigned(CanId.standard(0x748), 0x03, 0x7F, 0x22, 0x78, 0xAA, 0xAA, 0xAA, 0xAA),
                    sniff.receive(WAIT).orElseThrow());
        }
        assertEquals(0x10, sniff.receive(WAIT).orElseThrow().byteAt(0));
    }

    @Test
    void fault_delay_answers_too_late_for_a_short_p2() throws Exception {
        EcuSimulator sim = start(EcuSimulatorConfig.of(VIN).withFault(new EcuFault.Delay(Duration.ofMillis(300))));
        UdsTimeoutException e = assertThrows(UdsTimeoutException.class, () -> client(Duration.ofMillis(100)).readVin());
        assertEquals(UdsTimeoutException.Timer.P2, e.timer());
        assertEquals(1, sim.vinRequests());
    }

    @Test
    void fault_delay_answers_within_a_longer_p2_after_the_delay() throws Exception {
        start(EcuSimulatorConfig.of(VIN).withFault(EcuFault.parse("delay:300ms")));
        long start = System.nanoTime();
        assertEquals(VIN, client(Duration.ofMillis(1000)).readVin());
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos());
    }

    @Test
    void fault_nrc_refuses_with_that_code() throws Exception {
        start(EcuSimulatorConfig.of(VIN).withFault(EcuFault.parse("nrc:0x22")));
        UdsNegativeResponseException e = assertThrows(UdsNegativeResponseException.class,
                () -> client(Duration.ofMillis(1000)).readVin());
        assertEquals(Nrc.CONDITIONS_NOT_CORRECT, e.response().nrc().orElseThrow());
    }

    @Test
    void fault_silent_never_answers() throws Exception {
        EcuSimulator sim = start(EcuSimulatorConfig.of(VIN).withFault(new EcuFault.Silence()));
        UdsTimeoutException e = assertThrows(UdsTimeoutException.class, () -> client(Duration.ofMillis(200)).readVin());
        assertEquals(UdsTimeoutException.Timer.P2, e.timer());
        assertEquals(1, sim.vinRequests());
    }

    @Test
    void fault_truncated_sends_fewer_characters() throws Exception {
        start(EcuSimulatorConfig.of(VIN).withFault(EcuFault.parse("truncated:12")));
        UdsProtocolException e = assertThrows(UdsProtocolException.class, () -> client(Duration.ofMillis(1000)).readVin());
        assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
    }

    @Test
    void fault_bad_check_digit_changes_only_position_9() throws Exception {
        start(EcuSimulatorConfig.of(VIN).withFault(new EcuFault.WrongCheckDigit()));
        String got = client(Duration.ofMillis(1000)).readVin();
        assertEquals(VIN.substring(0, 8), got.substring(0, 8));
        assertEquals(VIN.substring(9), got.substring(9));
        assertNotEquals(CheckDigit.compute(got), got.charAt(8));
        assertEquals('6', CheckDigit.compute(VIN), "the test VIN itself is valid");
    }

    @Test
    void fault_can_be_changed_while_running() throws Exception {
        EcuSimulator sim = start(EcuSimulatorConfig.of(VIN).withFault(EcuFault.parse("nrc:0x22")));
        UdsClient uds = client(Duration.ofMillis(1000));
        assertThrows(UdsNegativeResponseException.class, uds::readVin);
        sim.setFault(new EcuFault.None());
        assertEquals(VIN, uds.readVin());
    }

    @Test
    void broadcasts_the_power_mode_periodically_and_a_change_at_once() throws Exception {
        PowerModeFrameCodec codec = new PowerModeFrameCodec(PowerModeLayout.defaults());
        CanChannel sniff = sniffer(codec.filter());
        EcuSimulator sim = EcuSimulator.start(bus.connect("ecu"),
                EcuSimulatorConfig.of(VIN).withPower(PowerMode.ACC, Duration.ofMillis(50), PowerModeLayout.defaults()));
        open.add(sim);
        for (int i = 0; i < 3; i++) {
            assertEquals(PowerMode.ACC, codec.decode(sniff.receive(WAIT).orElseThrow()));
        }
        sim.setPowerMode(PowerMode.START);
        PowerMode seen = PowerMode.ACC;
        for (int i = 0; i < 200 && seen == PowerMode.ACC; i++) {   // ACC frames queued before the change come first
            Optional<CanFrame> f = sniff.receive(WAIT);
            seen = codec.decode(f.orElseThrow());
        }
        assertEquals(PowerMode.START, seen);
        assertEquals(PowerMode.START, sim.powerMode());
    }
}
