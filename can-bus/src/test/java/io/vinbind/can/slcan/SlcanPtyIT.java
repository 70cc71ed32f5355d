package io.vinbind.can.slcan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.PtyPair;
import io.vinbind.can.SharedCanChannel;
import io.vinbind.can.sim.EcuFault;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.uds.Nrc;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsClientConfig;
import io.vinbind.can.uds.UdsNegativeResponseException;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeFrameCodec;
import io.vinbind.can.vehicle.PowerModeLayout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The VIN read across a real serial path: jSerialComm on both ends of a socat pty pair, SLCAN on the wire. */
class SlcanPtyIT {

    private static final String VIN = "LSGPC52U6AF102554";
    private PtyPair pty;

    @BeforeEach
    void pty() throws Exception {
        pty = PtyPair.start();
    }

    @AfterEach
    void close() throws Exception {
        if (pty != null) {
            pty.close();
        }
    }

    @Test
    void reads_the_vin_from_the_simulator_over_slcan_on_a_pty() throws Exception {
        try (EcuSimulator sim = EcuSimulator.start(CanChannels.open("slcan:" + pty.a()), EcuSimulatorConfig.of(VIN));
             CanChannel tester = CanChannels.open("slcan:" + pty.b() + "@500000")) {
            UdsClient uds = UdsClient.over(tester, UdsClientConfig.defaults());
            assertEquals(VIN, uds.readVin());
            assertEquals(VIN, uds.readVin());
            assertEquals(2, sim.vinRequests());
        }
    }

    @Test
    void response_pending_and_refusals_cross_the_serial_path() throws Exception {
        try (EcuSimulator sim = EcuSimulator.start(CanChannels.open("slcan:" + pty.a()),
                EcuSimulatorConfig.of(VIN).withFault(EcuFault.parse("pending:2:100ms")));
             CanChannel tester = CanChannels.open("slcan:" + pty.b())) {
            UdsClient uds = UdsClient.over(tester, UdsClientConfig.defaults());
            assertEquals(VIN, uds.readVin());
            sim.setFault(EcuFault.parse("nrc:0x33"));
            UdsNegativeResponseException e = assertThrows(UdsNegativeResponseException.class, uds::readVin);
            assertEquals(Nrc.SECURITY_ACCESS_DENIED, e.response().nrc().orElseThrow());
        }
    }

    @Test
    void a_shared_connection_carries_the_vin_read_and_the_power_mode_broadcast() throws Exception {
        PowerModeFrameCodec codec = new PowerModeFrameCodec(PowerModeLayout.defaults());
        try (EcuSimulator sim = EcuSimulator.start(CanChannels.open("slcan:" + pty.a()),
                EcuSimulatorConfig.of(VIN).withPower(PowerMode.ON, Duration.ofMillis(50), PowerModeLayout.defaults()));
             SharedCanChannel bus = SharedCanChannel.over(CanChannels.open("slcan:" + pty.b()))) {
            CanChannel power = bus.newView("power");
            power.setFilters(List.of(codec.filter()));
            UdsClient uds = UdsClient.over(bus.newView("uds"), UdsClientConfig.defaults());
            assertEquals(VIN, uds.readVin());
            assertEquals(PowerMode.ON, codec.decode(power.receive(Duration.ofSeconds(2)).orElseThrow()));
            sim.setPowerMode(PowerMode.OFF);
            PowerMode seen = PowerMode.ON;
            for (int i = 0; i < 200 && seen != PowerMode.OFF; i++) {
                seen = codec.decode(power.receive(Duration.ofSeconds(2)).orElseThrow());
            }
            assertEquals(PowerMode.OFF, seen);
        }
    }
}
