package io.vinbind.terminal.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanChannel;
import io.vinbind.can.sim.EcuFault;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsClientConfig;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.can.virtual.VirtualCanBus;
import io.vinbind.terminal.port.VinReadException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The UDS VIN reader against the can-bus ECU simulator on a virtual bus: each fault as a typed failure. */
class UdsVinReaderTest {

    static final String VIN = "1M8GDM9AXKP042788";

    EcuSimulator ecu;
    UdsVinReader reader;

    @BeforeEach
    void setUp() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("uds-reader-test");
        ecu = EcuSimulator.start(bus.connect("ecu"), EcuSimulatorConfig.of(VIN)
                .withPower(PowerMode.ON, Duration.ZERO, PowerModeLayout.defaults()));
        CanChannel tester = bus.connect("terminal");
        UdsClientConfig cfg = UdsClientConfig.defaults().withTimings(Duration.ofMillis(200), Duration.ofMillis(500),
                Duration.ofSeconds(1));
        reader = new UdsVinReader(UdsClient.over(tester, cfg));
    }

    @AfterEach
    void tearDown() {
        reader.close();
        ecu.close();
    }

    VinReadException failure() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> reader.readVin().get(5, TimeUnit.SECONDS));
        return assertInstanceOf(VinReadException.class, e.getCause());
    }

    @Test
    void reads_the_vin_with_padding_stripped() throws Exception {
        assertEquals(VIN, reader.readVin().get(5, TimeUnit.SECONDS));
    }

    @Test
    void silent_ecu_is_no_response() {
        ecu.setFault(new EcuFault.Silence());
        VinReadException e = failure();
        assertEquals(VinReadException.Kind.NO_RESPONSE, e.kind());
        assertTrue(e.getMessage().contains("no response"), e.getMessage());
    }

    @Test
    void negative_response_keeps_its_code_and_out_of_range_is_permanent() {
        ecu.setFault(new EcuFault.Negative(0x22));
        VinReadException transientNrc = failure();
        assertEquals(VinReadException.Kind.NEGATIVE_RESPONSE, transientNrc.kind());
        assertEquals(0x22, transientNrc.nrc());
        assertEquals(false, transientNrc.isPermanent());

        ecu.setFault(new EcuFault.Negative(0x31));
        assertTrue(failure().isPermanent());
    }

    @Test
    void truncated_vin_is_a_malformed_response() {
        ecu.setFault(new EcuFault.TruncatedVin(12));
        assertEquals(VinReadException.Kind.MALFORMED_RESPONSE, failure().kind());
    }

    @Test
    void wrong_check_digit_is_delivered_for_the_vin_rules_to_judge() throws Exception {
        ecu.setFault(new EcuFault.WrongCheckDigit());
        String vin = reader.readVin().get(5, TimeUnit.SECONDS);
        assertEquals(17, vin.length());
        assertTrue(!vin.equals(VIN) && vin.charAt(8) != VIN.charAt(8), vin);
    }
}
